# Validators for the RSS, Atom and HTML renderers (scripts/checks/render.sh):
# jing (RELAX NG, needs Java), headless Chromium, the Nu HTML checker and
# Python's feedparser as a real feed consumer.
need_apt jing default-jre-headless chromium
need_npm vnu-jar
need_pip feedparser

# OSV records are validated against the official OSV JSON schema
# (scripts/checks/osv-schema.sh) with check-jsonschema.
need_pip check-jsonschema

#!/usr/bin/env python3
"""Write the generated refresh inputs that bench/publication/compare.sh publishes.

Usage: inputs.py REAL_ISSUES_JSON OUT_DIR

From the real GitHub issue objects (DESIGN.md's data/real/github_issues.json) this
derives five seeded inputs, gen1..gen5, each with an edited twin genNb: subsets in a
new order, titles and bodies with versions, severities and whitespace changed,
issues added that exist nowhere else, and issues removed. Same seed, same files:
the comparison depends only on the code under test.
"""
import copy
import json
import random
import sys

VERSIONS = ["1.27.3", "1.28.0", "1.29.10", "1.30.2", "1.31.1", "1.32.0"]
SEVERITIES = ["Low", "Medium", "High", "Critical"]


def synthetic(rng, n, template):
    """An issue of our own in the shape of a real one."""
    issue = copy.deepcopy(template)
    number = 990000 + n
    year = 2090 + n % 9
    cve = f"CVE-{year}-{10000 + n}"
    fixed = rng.choice(VERSIONS)
    major, minor, patch = fixed.split(".")
    issue.update(
        number=number,
        id=7700000 + n,
        title=f"{cve}: kubelet component {n} mishandles a crafted request",
        html_url=f"https://github.com/kubernetes/kubernetes/issues/{number}",
        url=f"https://api.github.com/repos/kubernetes/kubernetes/issues/{number}",
        created_at=f"20{20 + n % 6}-0{1 + n % 9}-1{n % 10}T10:00:00Z",
        updated_at=f"20{20 + n % 6}-0{1 + n % 9}-2{n % 9}T11:00:00Z",
        body=(
            f"A flaw in a test component lets a user reach a node they should not.\n\n"
            f"This issue has been rated **{rng.choice(SEVERITIES)}** "
            f"(CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N).\n\n"
            f"### Affected Versions\n\n- kubelet v{major}.{minor}.0 - v{major}.{minor}.{int(patch) - 1 if int(patch) else 0}\n\n"
            f"### Fixed Versions\n\n- kubelet v{fixed}\n\n"
            f"### Detection\n\nLook for odd requests in the kubelet log.\n"
        ),
    )
    issue.pop("_events", None)
    return issue


def edit(rng, issue):
    """Change what an edit on GitHub would change."""
    issue = copy.deepcopy(issue)
    body = issue.get("body") or ""
    choice = rng.randrange(4)
    if choice == 0:
        issue["title"] = issue["title"] + " (updated)"
    elif choice == 1:
        issue["body"] = body.replace("Fixed", "Fixed  ", 1) + "\n\nUpdate: a backport was released.\n"
    elif choice == 2:
        for s in SEVERITIES:
            if s in body:
                issue["body"] = body.replace(s, rng.choice(SEVERITIES), 1)
                break
    else:
        issue["body"] = body.replace("v1.", "v1.1", 1)
    issue["updated_at"] = "2026-11-30T12:00:00Z"
    return issue


def main():
    real, out = sys.argv[1], sys.argv[2]
    issues = json.load(open(real))
    for g in range(1, 6):
        rng = random.Random(1000 + g)
        picked = rng.sample(issues, k=len(issues) * (4 + g) // 10)
        picked += [synthetic(rng, g * 10 + k, issues[0]) for k in range(g + 1)]
        rng.shuffle(picked)
        edited = [edit(rng, i) if rng.random() < 0.3 else copy.deepcopy(i) for i in picked]
        edited = edited[: len(edited) - g]  # some issues go away
        edited.append(synthetic(rng, 500 + g, issues[1]))
        for name, data in ((f"gen{g}", picked), (f"gen{g}b", edited)):
            with open(f"{out}/{name}.json", "w") as f:
                json.dump(data, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()

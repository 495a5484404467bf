"""What the README says of Amazon SES holds: its IAM policy allows every call the client
makes (its event table column: tests/test_readme_examples.py, for every provider)."""

from __future__ import annotations

import json
import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
SOURCES = "\n".join(p.read_text() for p in (REPO / "espctl/providers/ses").glob("*.py"))
#: botocore service name -> IAM prefix
PREFIX = {"sesv2": "ses", "sns": "sns", "cloudwatch": "cloudwatch"}


def _policy_actions() -> set[str]:
    block = README.split("The smallest IAM policy", 1)[1].split("```json\n", 1)[1]
    policy = json.loads(block.split("```", 1)[0])
    return {a for statement in policy["Statement"] for a in statement["Action"]}


def _called() -> set[str]:
    calls = re.findall(r'(?:call|pages)\(\s*"(\w+)",\s*"(\w+)"', SOURCES)
    found = {f"{PREFIX[s]}:{op}" for s, op in calls if s in PREFIX}
    # the option updates are chosen by name, then called as ``call("sesv2", operation)``
    puts = re.findall(r'"(PutConfigurationSet\w+Options)"', SOURCES)
    return found | {f"ses:{op}" for op in puts}


def test_the_iam_policy_allows_every_call_and_nothing_else() -> None:
    called = _called()
    assert len(called) >= 20  # the regex still finds the calls
    tags = {"ses:TagResource", "sns:TagResource"}  # tags on create need them
    assert _policy_actions() == called | tags

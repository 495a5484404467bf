"""Configs for the routing tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROUTING_CONFIG = """\
version: 1
providers:
  postmark:
    type: postmark
    server_token: ${env:RT_POSTMARK_TOKEN}
    default_sender: "Acme <noreply@acme-mail.com>"
    message_streams:
      outbound: {type: transactional, name: Transactional}
      receipts: {type: transactional, name: Receipts}
  mailgun:
    type: mailgun
    api_key: ${env:RT_MAILGUN_KEY}
    region: eu
    default_sender: "Acme <noreply@mg.acme-mail.com>"
    domains:
      mg.acme-mail.com: {}
      news.acme-mail.com: {}
  backup:
    type: mailgun
    api_key: ${env:RT_BACKUP_KEY}
    region: us
    domains:
      mg2.acme-mail.com: {}
routing:
  default: postmark/outbound
  rules:
    - name: auth-mail
      email_types: [password_reset, magic_link]
      to: postmark/outbound
      fallback: [mailgun/mg.acme-mail.com, backup/mg2.acme-mail.com]
    - email_types: [receipt]
      to: postmark/receipts
      fallback: [backup/mg2.acme-mail.com]
    - name: marketing
      email_types: [newsletter]
      to: mailgun/news.acme-mail.com
"""


def write(tmp_path: Path, text: str, name: str = "espctl.yaml") -> Path:
    """Write a config file and return its path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def routing_config(tmp_path: Path) -> Path:
    """A config with three providers, three rules and a default (no env vars set)."""
    return write(tmp_path, ROUTING_CONFIG)


@pytest.fixture
def no_default_config(tmp_path: Path) -> Path:
    """The same config without routing.default."""
    return write(tmp_path, ROUTING_CONFIG.replace("  default: postmark/outbound\n", ""))

"""Mailgun in words, for help texts (standard library only: see
:mod:`espctl.providers.kit.info`)."""

from espctl.providers.kit.info import ProviderInfo

INFO = ProviderInfo(
    type="mailgun",
    label="Mailgun",
    import_credentials="MAILGUN_API_KEY",
    regions="us (default) or eu",
)

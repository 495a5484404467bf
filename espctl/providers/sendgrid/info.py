"""SendGrid in words, for help texts (standard library only: see
:mod:`espctl.providers.kit.info`)."""

from espctl.providers.kit.info import ProviderInfo

INFO = ProviderInfo(
    type="sendgrid",
    label="SendGrid",
    import_credentials="SENDGRID_API_KEY",
    regions="global (default) or eu",
)

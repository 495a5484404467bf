"""Postmark in words, for help texts (standard library only: see
:mod:`espctl.providers.kit.info`)."""

from espctl.providers.kit.info import ProviderInfo

INFO = ProviderInfo(
    type="postmark",
    label="Postmark",
    import_credentials="POSTMARK_SERVER_TOKEN (+ POSTMARK_ACCOUNT_TOKEN when set)",
)

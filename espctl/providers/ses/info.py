"""Amazon SES in words, for help texts (standard library only: see
:mod:`espctl.providers.kit.info`)."""

from espctl.providers.kit.info import ProviderInfo

INFO = ProviderInfo(
    type="ses",
    label="Amazon SES",
    import_credentials=(
        "SES_ACCESS_KEY_ID + SES_SECRET_ACCESS_KEY (+ SES_SESSION_TOKEN) when set (else "
        "botocore's chain: "
        "AWS_PROFILE, ~/.aws, roles)"
    ),
    regions="us-east-1 (default) or any AWS region, such as eu-west-1",
)

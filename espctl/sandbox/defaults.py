"""Plain values the sandbox's command line shows in ``--help`` (no imports), so that
``espctl sandbox --help`` does not load the simulator (README "Benchmarks")."""

DEFAULT_POSTMARK_SERVER_TOKEN = "sandbox-postmark-server-token"
DEFAULT_POSTMARK_ACCOUNT_TOKEN = "sandbox-postmark-account-token"
DEFAULT_MAILGUN_API_KEY = "sandbox-mailgun-api-key"
#: the only interfaces a served sandbox listens on
ALLOWED_HOSTS = ("127.0.0.1", "localhost")

"""Plain values the sandbox's command line shows in ``--help`` (no imports), so that
``espctl sandbox --help`` does not load the simulator (README "Benchmarks"). The
credentials each provider accepts by default are in its ``<type>/info.py``."""

#: the only interfaces a served sandbox listens on
ALLOWED_HOSTS = ("127.0.0.1", "localhost")

"""``espctl demo``: the whole product, offline, in one command.

A fresh embedded sandbox account and the quick-start config, then validate, plan,
apply, plan again (empty) and report, each step printed as it runs. No credentials,
no network: the sandbox is in-process and its state lives in the demo folder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from espctl import __version__
from espctl.commands.common import (
    colour,
    echo,
    echo_lines,
    echo_styled,
    handle_errors,
    notify,
)


def demo_env() -> dict[str, str]:
    """The environment of the demo's config: the sandbox's own credentials."""
    from espctl import api
    from espctl.providers import registry
    from espctl.sandbox import SandboxCredentials

    # each credential's documented variable (POSTMARK_SERVER_TOKEN...), set to the value
    # the sandbox accepts for it (by provider type and credential key)
    accepted = SandboxCredentials()
    env = {
        spec.env_name(c.key): accepted.get(spec.type, c.key)
        for spec in registry.specs()
        for c in spec.credentials
    }
    # what --sandbox resolves an unset variable to, so that `espctl plan --sandbox`
    # run by hand in the demo folder afterwards is empty too
    env["HOOK_PASSWORD"] = api.SANDBOX_HOOK_PASSWORD
    return env


def quickstart_text() -> str:
    """The quick-start config shipped with the package (identical to examples/)."""
    from importlib.resources import files

    return (files("espctl") / "data" / "quickstart.yaml").read_text(encoding="utf-8")


def _step(number: int, title: str) -> None:
    echo("")
    click.secho(f"== {number}. {title}", bold=colour())


@click.command()
@click.option(
    "--out",
    default="espctl-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the demo's config, sandbox state, saved plan and report.",
)
@handle_errors
def demo(out: str) -> None:
    """Run espctl end to end offline against a fresh sandbox account.

    Writes examples/quickstart.yaml to the folder, then runs validate, plan, apply,
    plan again (no changes) and report against the embedded sandbox. Needs no
    credentials and no network. Open the report it writes in a browser.
    """
    from espctl import api
    from espctl.config import schema_text
    from espctl.engine.render import summary_line, text_lines
    from espctl.errors import EspctlError
    from espctl.model.text import plural

    env = demo_env()
    folder = Path(out)
    state = folder / ".espctl" / "sandbox.json"
    config = folder / "espctl.yaml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        state.unlink(missing_ok=True)  # a fresh, seeded account every time
        (folder / "espctl.schema.json").write_text(schema_text(), encoding="utf-8")
        config.write_text(
            quickstart_text().replace("../schemas/espctl.schema.json", "./espctl.schema.json"),
            encoding="utf-8",
        )
    except OSError as exc:
        raise EspctlError(f"cannot prepare the demo folder {folder}: {exc.strerror}") from exc
    options = api.RunOptions(
        config=str(config), sandbox=True, sandbox_state=str(state), env=env, notify=notify
    )
    echo(
        f"espctl {__version__} demo in {folder}/: a fresh sandbox account (seeded, "
        "drifted from the config) and the quick-start config."
    )

    _step(1, f"validate {config}")
    result = api.validate(str(config), env=env)
    echo_lines(problem.render() for problem in result.problems)
    if not result.valid:
        raise EspctlError("the quick-start config did not validate")
    echo(f"valid: {result.summary()}")

    _step(2, "plan: read the sandbox account and diff it against the config")
    first = api.plan(options).plan
    echo_styled(text_lines(first), colour=colour())
    saved = api.save_plan(
        first,
        str(folder / "plans" / "demo.json"),
        created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        version=__version__,
    )
    echo(f"saved the plan to {saved} (no secrets in it)")

    _step(3, "apply the saved plan")
    if first.blocked:
        echo(
            "The seeded account drifted in most of what the config manages, so the "
            "plan is BLOCKED by policy.max_change_ratio; having reviewed it, the demo "
            "applies it with --force."
        )
    applied = api.apply(options, plan_file=str(saved), force=True)
    if applied.result is not None:
        echo(applied.result.summary())
        if applied.result.exit_code != 0:
            raise EspctlError("the demo's apply did not complete")

    _step(4, "plan again: the providers now match the config")
    second = api.plan(options).plan
    echo(summary_line(second))
    if second.has_changes:
        raise EspctlError("the second plan is not empty: apply did not converge")

    _step(5, "report: deliverability over the last 30 days")
    today = datetime.now(UTC).date()
    report = api.report(
        options, start=today - timedelta(days=30), end=today, out=str(folder / "report.html")
    )
    echo(
        f"wrote {report.path} ({len(report.html.encode()) // 1024} KiB, "
        f"{plural(len(report.data.providers), 'provider')}, no external requests)"
    )

    echo("")
    echo(f"Done. Open {report.path} in a browser. Try next, inside {folder}/:")
    echo("  espctl plan --sandbox --format markdown   # the pull-request comment")
    echo("  espctl route password_reset               # where an email type goes")
    echo("  espctl test --sandbox                     # the connection test")

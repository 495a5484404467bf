"""``espctl show PLAN_FILE``: render a saved plan offline (no credentials, no API call).

CI plans once (``plan --out plans/plan.json``) and renders the artifact as many times
as it needs: the Markdown comment, the text for a log, the JSON for a script. The
output is exactly what ``plan`` printed in that format when it saved the file.
"""

from __future__ import annotations

import click

from espctl.commands.common import colour, echo, echo_styled, handle_errors, notify


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for a PR comment.",
)
@handle_errors
def show(plan_file: str, fmt: str) -> None:
    """Render a saved plan (from `espctl plan --out PLAN_FILE`) without reading any
    provider: needs no credentials and makes no API call.

    The output is what `espctl plan --format FORMAT` printed when the plan was saved
    (the plan holds no secret, so neither does this). Where it came from goes to
    stderr. Exit 0, or 1 when the file is not a readable espctl plan.
    """
    import json
    import shlex

    from espctl import api
    from espctl.engine.plan_json import plan_from_json
    from espctl.engine.render import render_markdown, text_lines

    saved = api.read_saved_plan(plan_file)
    plan = plan_from_json(saved)
    if fmt == "json":
        payload = plan.as_json()
        for extra in ("created_at", "espctl_version"):
            if extra in saved:
                payload[extra] = saved[extra]
        echo(json.dumps(payload, indent=2))
    elif fmt == "markdown":
        echo(render_markdown(plan))
    else:
        echo_styled(text_lines(plan), colour=colour())
    made = saved.get("created_at", "an unknown time")
    version = saved.get("espctl_version", "?")
    config = " + ".join(api.plan_config(saved)) or "an unknown config"
    notify(
        f"saved plan {plan_file}: made {made} by espctl {version} from {config}; apply it "
        f"with: espctl apply {shlex.quote(plan_file)}"
    )

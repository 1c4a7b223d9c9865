"""citychan review / review show / approve / reject: notices held for a second operator
([review] required_for), and `post FILE` drafting one. Every text a person reads is here,
in one place per command."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ByOption, ConfigOption, OutputOption

review_app = typer.Typer(
    name="review",
    help="Notices waiting for a second operator (review.required_for in the config), the "
    "oldest first."
    "\n\nExamples:\n\n  citychan review\n\n  citychan review show d3\n\n"
    "  citychan review approve d3\n\n  citychan review reject d3 --reason 'wrong date'",
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

TEXT = {
    "drafted": "Drafted {ref} {title} for {channels}{at}, by {author}; nothing was sent.",
    "next": "A second operator looks at it with '{show}' and sends it with '{approve}'.",
    "none": "No drafts waiting for review.",
    "changed": "Cannot be approved: {problem}",
    "as_drafted": "As drafted:",
    "approved_sent": "Approved {ref} {title} (drafted by {author}, approved by {reviewer}).",
    "approved_queued": "Approved {ref} {title}: scheduled as #{id} for {due} ({tz}), by "
    "{reviewer}; 'citychan run-due' sends it.",
    "rejected": "Rejected {ref} {title} (drafted by {author}; rejected by {reviewer}: {reason}).",
}
Ref = typer.Argument(..., help="The draft's ref, as 'citychan review' shows it (e.g. d3).")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app)


def _command(config: Path | None, *words: str) -> str:
    return " ".join(["citychan", *words]) + (f" --config {shlex.quote(str(config))}"
                                              if config else "")


@review_app.callback()
def review(
    ctx: typer.Context,
    everything: bool = typer.Option(False, "--all", help="Also approved, rejected and "
                                    "refused drafts."),
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """List drafts waiting for review (--all: every one, with who decided and why)."""
    if ctx.invoked_subcommand is not None:
        return
    from citychan import api
    from citychan.api import review as review_api

    def run() -> dict[str, Any]:
        cfg = api.load(config)
        return {"drafts": [d.as_dict() for d in review_api.entries(cfg, everything=everything)],
                "timezone": cfg.city.timezone}

    result = common.run(run)
    if output == "json":
        common.emit_json("review", True, result)
        return
    drafts_table(result["drafts"], result["timezone"])


@review_app.command("show")
def show(ref: str = Ref, config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Show exactly what approving the draft sends, per channel.

    Example: citychan review show d3
    """
    from citychan import api
    from citychan.api import review as review_api

    shown = common.run(lambda: review_api.show(api.load(config), ref))
    if output == "json":
        common.emit_json("review", True, shown.as_dict())
        return
    d, out = shown.draft, views.out_console()
    out.print(f"{views.esc(d.ref)} {views.esc(repr(d.title))}: {views.status(d.state)}, "
              f"drafted by {views.esc(d.author)}")
    if shown.plan is not None:
        views.previews(shown.plan)
        return
    views.err_console().print(views.esc(TEXT["changed"].format(problem=shown.problem)))
    out.print(TEXT["as_drafted"])
    for t in d.plan.get("targets", []):
        out.print(f"--- {views.esc(t['channel'])} ---\n{views.esc(t['text'])}")


@review_app.command("approve")
def approve(ref: str = Ref, by: ByOption = None, config: ConfigOption = None,
            output: OutputOption = "text") -> None:
    """Approve another operator's draft: send it now, or schedule it (drafted with --at).

    It goes out through the normal post path (never twice, quiet hours, the daily cap and
    near-duplicates apply). The author cannot approve their own draft.

    Example: citychan review approve d3 --by k.nowak
    """
    from citychan import api
    from citychan.api import review as review_api

    def run() -> tuple[Any, str]:
        cfg = api.load(config)
        return review_api.approve(cfg, ref, operator=by), cfg.city.timezone

    approval, tz = common.run_rejectable(run, "review", output)
    code = int(approval.report.exit_code) if approval.report else 0
    if output == "json":
        common.emit_json("review", code == 0, approval.as_dict(), code)
        raise typer.Exit(code)
    d = approval.draft
    names = {"ref": d.ref, "title": repr(d.title), "author": d.author, "reviewer": d.reviewer}
    if approval.queued is not None:
        from citychan.cli.queue_cmd import _local

        views.out_console().print(views.esc(TEXT["approved_queued"].format(
            **names, id=approval.queued.id, due=_local(approval.queued.due, tz), tz=tz)))
        raise typer.Exit(0)
    views.out_console().print(views.esc(TEXT["approved_sent"].format(**names)))
    views.report(approval.report)
    raise typer.Exit(code)


@review_app.command("reject")
def reject(
    ref: str = Ref,
    reason: str = typer.Option(..., "--reason", help="Why it must not go out (recorded)."),
    by: ByOption = None,
    config: ConfigOption = None,
    output: OutputOption = "text",
) -> None:
    """Reject a draft, with the reason; nothing is sent.

    Example: citychan review reject d3 --reason 'the date is wrong'
    """
    from citychan import api
    from citychan.api import review as review_api

    d = common.run(lambda: review_api.reject(api.load(config), ref, reason, operator=by))
    if output == "json":
        common.emit_json("review", True, {"rejected": d.as_dict()})
        return
    views.out_console().print(views.esc(TEXT["rejected"].format(
        ref=d.ref, title=repr(d.title), author=d.author, reviewer=d.reviewer, reason=d.reason)))


def drafted(d: Any, config: Path | None, timezone: str, output: str) -> None:
    """`post FILE` under review: the draft's ref and the commands the reviewer runs."""
    show_cmd = _command(config, "review", "show", d.ref)
    approve_cmd = _command(config, "review", "approve", d.ref)
    if output == "json":
        common.emit_json("post", True, {"draft": d.as_dict(), "show_command": show_cmd,
                                        "review_command": approve_cmd})
        return
    from citychan.cli.queue_cmd import _local

    at = f" at {_local(d.due, timezone)} ({timezone})" if d.due else ""
    out = views.out_console()
    out.print(views.esc(TEXT["drafted"].format(ref=d.ref, title=repr(d.title), at=at,
                                               channels=", ".join(d.channels), author=d.author)))
    out.print(views.esc(TEXT["next"].format(show=show_cmd, approve=approve_cmd)))


def drafts_table(rows: list[dict[str, Any]], timezone: str) -> None:
    from rich.table import Table

    console = views.out_console()
    if not rows:
        console.print(TEXT["none"])
        return
    table = Table(title="Drafts (oldest first)", title_justify="left")
    for col in ("ref", "drafted", "state", "title", "channels", "at", "by", "decided by",
                "reason / outcome"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(views.esc(r["ref"]), _when(r["created"], timezone),
                      views.status(r["state"]), views.esc(r["title"]),
                      views.esc(", ".join(r["channels"])), _when(r["at"], timezone),
                      views.esc(r["author"]), views.esc(r["reviewer"] or ""),
                      views.esc(r["reason"] or r["outcome"] or ""))
    console.print(table)
    console.print(views.styled("dim", f"Times are {timezone} local time."))


def log_lines(rows: list[dict[str, Any]], timezone: str) -> None:
    """`citychan log`: the latest review steps, one line each, with who and when."""
    out = views.out_console()
    for r in rows:
        step = (f"{r['ref']} {r['title']!r}: drafted by {r['author']} "
                f"{_when(r['created'], timezone)}")
        if r["state"] == "urgent":
            step = f"warning sent past review by {r['author']}: {r['reason']}"
        elif r["decided"]:
            step += (f"; {r['state']} by {r['reviewer'] or r['author']} "
                     f"{_when(r['decided'], timezone)}")
            step += f" ({r['reason'] or r['outcome']})" if r["reason"] or r["outcome"] else ""
        out.print(f"Review {_when(r['decided'] or r['created'], timezone)}: {views.esc(step)}")


def _when(value: str | None, timezone: str) -> str:
    if not value:
        return ""
    from citychan.cli.queue_cmd import _local

    return _local(value, timezone)

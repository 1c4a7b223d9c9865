"""citychan review / review show / approve / reject: notices held for a second operator
([review] required_for), and `post FILE` drafting one. Every text a person reads is here,
in one place per command."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from citychan.cli import common, views
from citychan.cli.options import ByOption, ConfigOption, OutputOption, YesOption
from citychan.i18n import N_, gettext, localize

_ = gettext

review_app = typer.Typer(
    name="review",
    help=N_("Notices waiting for a second operator (review.required_for in the config), the "
    "oldest first."
    "\n\nExamples:\n\n  citychan review\n\n  citychan review show d3\n\n"
    "  citychan review approve d3\n\n  citychan review reject d3 --reason 'wrong date'"),
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

TEXT = {
    "drafted": N_("Drafted {ref} {title} for {channels}{at}, by {author}; nothing was sent."),
    "next": N_("A second operator looks at it with '{show}' and sends it with '{approve}'."),
    "none": N_("No drafts waiting for review."),
    "changed": N_("Cannot be approved: {problem}"),
    "as_drafted": N_("As drafted:"),
    "approved_sent": N_("Approved {ref} {title} (drafted by {author}, approved by "
                        "{reviewer})."),
    "approved_queued": N_("Approved {ref} {title}: scheduled as #{id} for {due} ({tz}), by "
                          "{reviewer}; 'citychan run-due' sends it."),
    "rejected": N_("Rejected {ref} {title} (drafted by {author}; rejected by {reviewer}: "
                   "{reason})."),
    "drafted_by": N_("drafted by {author}"),
    "at": N_(" at {due} ({tz})"),
    "title": N_("Drafts (oldest first)"),
    "local": N_("Times are {tz} local time."),
    "step": N_("{ref} {title}: drafted by {author} {when}"),
    "urgent": N_("warning sent past review by {author}: {reason}"),
    "decided": N_("; {state} by {who} {when}"),
    "review": N_("Review {when}: {step}"),
    "held": N_("Warning {title} held for review as {ref} for {channels}, by {author}: nothing "
               "was sent, no incident opened."),
    "held_change": N_("{what} of {incident} {title} held for review as {ref} for {channels}, "
                      "by {author}: nothing was sent."),
    "update": N_("Update"),
    "allclear": N_("All-clear"),
    "kind_info": N_("info"),
    "kind_warning": N_("warning"),
    "copy_sending": N_("The file is not on this machine: sending the drafted copy (message "
                       "{hash}…)."),
    "copy_showing": N_("The file is not on this machine: showing the drafted copy (message "
                       "{hash}…)."),
    "copy_queued": N_("The file is not on this machine: the drafted copy is as drafted "
                      "(message {hash}…) and is scheduled with it; 'citychan run-due' sends "
                      "it where the file is not."),
    "cap_drafted": N_("CAP as drafted: {msg_type} {event}, level {level}, expires {expires}"),
}
COLUMNS = (N_("ref"), N_("kind"), N_("drafted"), N_("state"), N_("title"), N_("channels"),
           N_("at"), N_("by"), N_("decided by"), N_("reason / outcome"))
Ref = typer.Argument(..., help=N_("The draft's ref, as 'citychan review' shows it (e.g. d3)."))


def register(app: typer.Typer) -> None:
    app.add_typer(review_app)


def _command(config: Path | None, *words: str) -> str:
    return " ".join(["citychan", *words]) + (f" --config {shlex.quote(str(config))}"
                                              if config else "")


@review_app.callback()
def review(
    ctx: typer.Context,
    everything: bool = typer.Option(False, "--all", help=N_("Also approved, rejected and "
                                    "refused drafts.")),
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
              f"{views.esc(_(TEXT['drafted_by']).format(author=d.author))}")
    if shown.copied:
        out.print(views.esc(_(TEXT["copy_showing"]).format(hash=shown.copied[:12])))
    if shown.plan is not None:
        views.previews(shown.plan)
        return
    if shown.warning is not None:
        from citychan.cli import warn_views

        warn_views.warn_plan(shown.warning)
        return
    views.err_console().print(views.esc(_(TEXT["changed"]).format(problem=localize(shown.problem))))
    out.print(_(TEXT["as_drafted"]))
    cap = d.plan.get("cap")
    if cap:  # a warning draft: its CAP summary as drafted
        out.print(views.esc(_(TEXT["cap_drafted"]).format(
            msg_type=cap["msg_type"], event=cap["event"], level=cap["level"] or "-",
            expires=cap["expires"] or "-")))
    for t in d.plan.get("targets", []):
        out.print(f"--- {views.esc(t['channel'])} ---\n{views.esc(t['text'])}")


@review_app.command("approve")
def approve(ref: str = Ref, by: ByOption = None, yes: YesOption = False,
            config: ConfigOption = None, output: OutputOption = "text") -> None:
    """Approve another operator's draft: send it now, or schedule it (drafted with --at).

    It goes out through the normal post path (never twice, quiet hours, the daily cap and
    near-duplicates apply); a warning through the normal warn path, confirmed as `warn`
    asks (--yes: without asking). The author cannot approve their own draft.

    Example: citychan review approve d3 --by k.nowak
    """
    from citychan import api
    from citychan.api import review as review_api

    def run() -> tuple[Any, str]:
        cfg = api.load(config)
        return (review_api.approve(cfg, ref, operator=by, confirm=_confirm(yes)),
                cfg.city.timezone)

    approval, tz = common.run_rejectable(run, "review", output)
    code = int(approval.report.exit_code) if approval.report else 0
    if output == "json":
        common.emit_json("review", code == 0, approval.as_dict(), code)
        raise typer.Exit(code)
    d = approval.draft
    names = {"ref": d.ref, "title": repr(d.title), "author": d.author, "reviewer": d.reviewer}
    if approval.copied:
        views.out_console().print(views.esc(_(TEXT["copy_queued" if approval.queued else
                                                   "copy_sending"]).format(
            hash=approval.copied[:12])))
    if approval.queued is not None:
        from citychan.cli.queue_cmd import _local

        views.out_console().print(views.esc(_(TEXT["approved_queued"]).format(
            **names, id=approval.queued.id, due=_local(approval.queued.due, tz), tz=tz)))
        raise typer.Exit(0)
    views.out_console().print(views.esc(_(TEXT["approved_sent"]).format(**names)))
    if d.kind == "warning":
        views.warn_report(approval.report, findings_shown=not yes)
    else:
        views.report(approval.report)
    raise typer.Exit(code)


def _confirm(yes: bool) -> Any:
    """A warning draft is confirmed by its approver as `warn` asks the duty officer (the
    level's guard: none, yes/no, or typing the event's name for high); --yes skips it, and
    without a terminal --yes is needed. Information drafts ask nothing."""
    if yes:
        return None

    def confirm(preview: Any) -> bool:
        from citychan.cli.warn_views import confirm_warning
        from citychan.errors import UsageError

        if not common.is_interactive():
            raise UsageError(N_("not a terminal: pass --yes to send a warning without "
                                "confirmation"))
        return confirm_warning(preview)

    return confirm


@review_app.command("reject")
def reject(
    ref: str = Ref,
    reason: str = typer.Option(..., "--reason", help=N_("Why it must not go out (recorded).")),
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
    views.out_console().print(views.esc(_(TEXT["rejected"]).format(
        ref=d.ref, title=repr(d.title), author=d.author, reviewer=d.reviewer, reason=d.reason)))


def drafted(d: Any, config: Path | None, timezone: str, output: str) -> None:
    """`post FILE` under review: the draft's ref and the commands the reviewer runs."""
    from citychan.cli.queue_cmd import _local

    at = _(TEXT["at"]).format(due=_local(d.due, timezone), tz=timezone) if d.due else ""
    _held(d, config, "post", output, lambda: _(TEXT["drafted"]).format(
        ref=d.ref, title=repr(d.title), at=at, channels=", ".join(d.channels),
        author=d.author))


def held_warning(d: Any, config: Path | None, output: str) -> None:
    """`warn …` where warnings wait for review: the draft's ref and the reviewer's commands."""
    request = d.plan.get("request") or {}
    mode = request.get("mode", "new")

    def said() -> str:
        if mode in ("update", "allclear"):  # the incident is open: it changes at approval
            return _(TEXT["held_change"]).format(
                what=_(TEXT[mode]), incident=request.get("incident") or "", ref=d.ref,
                title=repr(d.title), channels=", ".join(d.channels), author=d.author)
        return _(TEXT["held"]).format(ref=d.ref, title=repr(d.title),
                                      channels=", ".join(d.channels), author=d.author)

    _held(d, config, "warn", output, said)


def _held(d: Any, config: Path | None, command: str, output: str,
          said: Callable[[], str]) -> None:
    """A draft just made: as JSON (the draft and the reviewer's commands), or the line
    ``said`` and the commands to show and approve it."""
    show_cmd = _command(config, "review", "show", d.ref)
    approve_cmd = _command(config, "review", "approve", d.ref)
    if output == "json":
        common.emit_json(command, True, {"draft": d.as_dict(), "show_command": show_cmd,
                                         "review_command": approve_cmd})
        return
    out = views.out_console()
    out.print(views.esc(said()))
    out.print(views.esc(_(TEXT["next"]).format(show=show_cmd, approve=approve_cmd)))


def drafts_table(rows: list[dict[str, Any]], timezone: str) -> None:
    from rich.table import Table

    console = views.out_console()
    if not rows:
        console.print(_(TEXT["none"]))
        return
    table = Table(title=_(TEXT["title"]), title_justify="left")
    for col in COLUMNS:
        table.add_column(_(col), overflow="fold")
    for r in rows:
        kind = _(TEXT["kind_warning"] if r["kind"] == "warning" else TEXT["kind_info"])
        table.add_row(views.esc(r["ref"]), kind, _when(r["created"], timezone),
                      views.status(r["state"]), views.esc(r["title"]),
                      views.esc(", ".join(r["channels"])), _when(r["at"], timezone),
                      views.esc(r["author"]), views.esc(r["reviewer"] or ""),
                      views.esc(r["reason"] or localize(r["outcome"]) or ""))
    console.print(table)
    console.print(views.styled("dim", _(TEXT["local"]).format(tz=timezone)))


def log_lines(rows: list[dict[str, Any]], timezone: str) -> None:
    """`citychan log`: the latest review steps, one line each, with who and when."""
    out = views.out_console()
    for r in rows:
        step = _(TEXT["step"]).format(ref=r["ref"], title=repr(r["title"]), author=r["author"],
                                      when=_when(r["created"], timezone))
        if r["state"] == "urgent":
            step = _(TEXT["urgent"]).format(author=r["author"], reason=r["reason"])
        elif r["decided"]:
            step += _(TEXT["decided"]).format(state=_(r["state"]),
                                              who=r["reviewer"] or r["author"],
                                              when=_when(r["decided"], timezone))
            why = r["reason"] or localize(r["outcome"])
            step += f" ({why})" if why else ""
        out.print(_(TEXT["review"]).format(when=_when(r["decided"] or r["created"], timezone),
                                           step=views.esc(step)))


def _when(value: str | None, timezone: str) -> str:
    if not value:
        return ""
    from citychan.cli.queue_cmd import _local

    return _local(value, timezone)

"""The YAML format of a campaign, checked with the line number of every problem.

```yaml
title: Mail je Kamerlid over de AOV
kind: mail                  # mail | bellen | delen | tekenen | aanwezig | reageren
why: |
  Zzp'ers die ziek worden vallen tussen wal en schip. Vraag jouw Kamerlid om een
  betaalbare arbeidsongeschiktheidsverzekering voor iedereen.
deadline: 2027-02-01 23:59  # Dutch time
goal: 200                   # optional: the number of actions we aim for
targets:                    # mail only: whom to write to
  spread: true              # every MP; each member gets the next one
  # party: [GL-PvdA, VVD]   # or the MPs of these parties
  # committee: [Sociale Zaken en Werkgelegenheid]
  # named: [12, 15]         # or targets by number (werkbot targets list)
subject: Zekerheid voor zzp'ers bij ziekte
letter: |
  Geachte {aan},

  Ik ben {naam}, {werksituatie} uit {provincie}. ...

  {eigen_tekst}

  Met vriendelijke groet,
  {naam}
smtp: false                 # optional: may Werkbot send it for the member (Reply-To: the member)
link: https://…             # share / sign / react: the page
audience:                   # optional: all members without it, or a segment
  work_situation: [zzp, combinatie]
```

Placeholders in ``subject`` and ``letter``: ``{naam}``, ``{werksituatie}``, ``{provincie}``,
``{aan}``, ``{partij}``, ``{eigen_tekst}`` (where the member's own sentences go); ``{{`` and
``}}`` are literal braces. The file is read by the core's bounded loader (100 kB, 8
levels, no aliases); nothing is created until the whole file is right.
"""

from __future__ import annotations

from datetime import UTC, datetime

from yaml.nodes import MappingNode

from bot.core.yamlfile import Checker, DefinitionError, by_line, line_of, load
from cogs.campaigns.letter import check_template
from storage.records.campaigns import CampaignKind, NewCampaign, TargetMode
from storage.vocabulary import SEGMENTS

MAX_TITLE = 200
MAX_WHY = 1_000
MAX_SUBJECT = 200
MAX_LETTER = 6_000
MAX_LINK = 500
MAX_GOAL = 10_000_000
MAX_TARGET_NAMES = 200
KINDS = tuple(kind.value for kind in CampaignKind)
AUDIENCE_CODES = {name: [code.value for code in codes] for name, codes in SEGMENTS.items()}
TOP_KEYS = {"title", "kind", "why", "deadline", "goal", "targets", "subject", "letter", "smtp", "link", "audience"}
TARGET_KEYS = {"spread", "party", "committee", "named"}

__all__ = ["DefinitionError", "parse_campaign_file"]


def parse_campaign_file(data: bytes, *, now: datetime | None = None) -> NewCampaign:
    """Read a campaign file; raise :class:`DefinitionError` listing every problem by line."""
    root = load(data, what="a campaign file")
    checker = Checker()
    if not isinstance(root, MappingNode):
        raise DefinitionError([f"line {line_of(root)}: the campaign must be a set of 'key: value' lines"])
    fields = checker.mapping(root, "the campaign", TOP_KEYS)

    def required(key: str, hint: str = "") -> bool:
        if key in fields:
            return True
        checker.add(root, f"'{key}' is missing{hint}")
        return False

    title = kind = deadline = None
    if required("title"):
        title = checker.text(fields["title"], "title", limit=MAX_TITLE, lines=False)
    if required("kind", f" ({', '.join(KINDS)})"):
        kind = checker.choice(fields["kind"], "kind", KINDS)
    why = ""
    if required("why"):
        why = checker.text(fields["why"], "why", limit=MAX_WHY, lines=True) or ""
    if required("deadline", " (e.g. 2027-02-01 23:59)"):
        deadline = checker.moment(fields["deadline"], "deadline", exact=True)
        if deadline is not None and now is not None:
            if deadline <= (now if now.tzinfo else now.replace(tzinfo=UTC)):
                checker.add(fields["deadline"], "deadline must be in the future")
    goal = None
    if "goal" in fields:
        goal = checker.whole(fields["goal"], "goal", low=1, high=MAX_GOAL)
    subject = letter = link = None
    if "subject" in fields:
        subject = checker.text(fields["subject"], "subject", limit=MAX_SUBJECT, lines=False)
    if "letter" in fields:
        letter = checker.text(fields["letter"], "letter", limit=MAX_LETTER, lines=True)
    for key, value in (("subject", subject), ("letter", letter)):
        if value:
            for problem in check_template(value):
                checker.add(fields[key], f"{key}: {problem}")
    if "link" in fields:
        link = checker.link(fields["link"], "link", limit=MAX_LINK)
    smtp = False
    if "smtp" in fields:
        smtp = bool(checker.boolean(fields["smtp"], "smtp"))
    audience: dict[str, list[str]] = {}
    if "audience" in fields:
        audience = checker.audience(fields["audience"], AUDIENCE_CODES)

    mode: TargetMode = TargetMode.NONE
    names: tuple[str, ...] = ()
    if "targets" in fields:
        chosen = checker.mapping(fields["targets"], "targets", TARGET_KEYS)
        if len(chosen) != 1:
            checker.add(fields["targets"], "targets needs exactly one of spread, party, committee, named")
        elif "spread" in chosen:
            if checker.boolean(chosen["spread"], "spread"):
                mode = TargetMode.SPREAD
            else:
                checker.add(chosen["spread"], "spread: write true, or choose party, committee or named")
        else:
            key = next(iter(chosen))
            listed = checker.strings(chosen[key], key, limit=MAX_TITLE)
            if listed is not None:
                if not listed or len(listed) > MAX_TARGET_NAMES:
                    checker.add(chosen[key], f"{key} needs 1 to {MAX_TARGET_NAMES} names")
                if key == "named" and not all(name.isdigit() and len(name) < 10 for name in listed):
                    checker.add(chosen[key], "named: give target numbers (see werkbot targets list)")
                mode, names = TargetMode(key), tuple(listed)
    if kind == CampaignKind.MAIL.value:
        if mode is TargetMode.NONE:
            checker.add(root, "a mail campaign needs 'targets' (spread, party, committee or named)")
        if not letter:
            checker.add(root, "a mail campaign needs a 'letter'")
    elif kind is not None and (letter is None) and kind in (CampaignKind.SHARE.value,) and link is None:
        checker.add(root, "a share campaign needs a 'letter' (the message) or a 'link'")

    if checker.problems:
        raise DefinitionError(by_line(checker.problems))
    assert title is not None and kind is not None and deadline is not None
    return NewCampaign(
        title=title,
        why=why,
        kind=CampaignKind(kind),
        deadline=deadline,
        link=link,
        subject=subject,
        template=letter or "",
        audience=audience,
        goal=goal,
        target_mode=mode,
        target_names=names,
        allow_smtp=smtp,
    )


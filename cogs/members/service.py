"""Member rules: registration, e-mail verification, linking, roles, sponsors, language.

The service takes ids and plain values and returns records and plain values, so it can be
tested and benchmarked without any chat. It also answers the core's questions about
callers (:class:`bot.core.directory.MemberDirectory`), and other modules' questions about
members through their own protocols (surveys' ``MemberFacts``): where a member's voice
counts is decided here and nowhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from bot.core.cache import BoundedCache
from bot.core.directory import Contact
from bot.core.errors import UserError
from bot.core.i18n import _, normalize_language
from bot.core.mail import Mailer, MailError
from bot.core.roles import RolePolicy
from bot.core.types import Caller, Identity
from storage.records.members import CallerRecord, MemberFilter, MemberRecord, NewMember
from storage.repositories.members import (
    EmailTaken,
    IdentityTaken,
    MemberRepository,
    NameTaken,
)
from storage.types import utcnow
from storage.vocabulary import MemberKind, Province, WorkSituation, known

__all__ = ["MemberService", "RolePolicy", "VerifyResult"]

log = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
LINK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LINK_LIFETIME = timedelta(minutes=10)
CODE_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
MAX_CODE_SENDS = 5
RESEND_PAUSE = timedelta(seconds=60)
PLATFORM_PREFERENCE = ("telegram", "discord", "console")
CALLER_CACHE_SIZE = 50_000
CALLER_CACHE_SECONDS = 300.0
MEMBER, VOICE, ACCOUNT = "member", "voice", "account"
"""Kinds of change told to the other processes (``ChangeNotices``)."""
"""Account resolution runs for every incoming event; within this process a cached record
is never stale (every write below drops what it changes), the time limit only bounds a
change made by another process."""


class VerifyResult(Enum):
    OK = "ok"
    ALREADY = "already"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"


class ChangeNotices(Protocol):
    """How the processes sharing one database tell each other about changed members
    (``storage.notify.ChangeFeed``: PostgreSQL LISTEN/NOTIFY)."""

    async def publish(self, kind: str, key: str) -> None: ...

    def subscribe(self, subscriber: Callable[[str, str], None]) -> None: ...


@dataclass(frozen=True)
class VoterFacts:
    """What another module needs to count a member: where the voice counts and the segment."""

    member_id: int
    voice_key: str
    verified: bool
    kind: MemberKind
    work_situation: WorkSituation | None
    province: Province | None
    organization_id: int | None = None
    """The sponsor the member represents (the Meetlat never counts a sponsor rating itself)."""
    joined_at: datetime | None = None
    """When the member registered (a burst of ratings from new accounts is suspect)."""


@dataclass(frozen=True)
class MemberCard:
    """A member as lists for organizers show them: name and segment (the door list, the
    participants of an event)."""

    member_id: int
    name: str
    kind: MemberKind
    work_situation: WorkSituation | None
    province: Province | None


@dataclass(frozen=True)
class Profile:
    member_id: int
    name: str
    email: str | None
    verified: bool
    kind: MemberKind
    organization: str | None
    work_situation: WorkSituation | None
    province: Province | None
    language: str | None
    roles: list[str]
    accounts: list[str] = field(default_factory=list)


def _preference(platform: str) -> int:
    if platform in PLATFORM_PREFERENCE:
        return PLATFORM_PREFERENCE.index(platform)
    return len(PLATFORM_PREFERENCE)


def _hash(secret: str, *, scope: str) -> str:
    return hmac.new(scope.encode(), secret.encode(), hashlib.sha256).hexdigest()


def normalize_link_code(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def own_voice(member_id: int) -> str:
    return f"member:{member_id}"


def voice_key(member: MemberRecord) -> str:
    """The one rule of the voice: a person counts as themselves, every representative of
    a sponsor counts as that sponsor (one voice however many representatives)."""
    if member.kind == MemberKind.SPONSOR and member.organization_id is not None:
        return f"sponsor:{member.organization_id}"
    return own_voice(member.id)


def _facts(member: MemberRecord) -> VoterFacts:
    return VoterFacts(
        member_id=member.id,
        voice_key=voice_key(member),
        verified=member.verified,
        kind=member.kind,
        work_situation=member.work_situation,
        province=member.province,
        organization_id=member.organization_id,
        joined_at=member.created_at,
    )


class MemberService:
    def __init__(
        self,
        repository: MemberRepository,
        mailer: Mailer,
        policy: RolePolicy,
        *,
        default_language: str = "nl",
        require_verification: bool = True,
        code_in_chat_platforms: frozenset[str] = frozenset(),
        changes: ChangeNotices | None = None,
    ) -> None:
        self._repo = repository
        self._changes = changes
        if changes is not None:
            changes.subscribe(self._noticed)
        self._mailer = mailer
        self._policy = policy
        self._default_language = default_language
        self.require_verification = require_verification
        self._code_in_chat_platforms = code_in_chat_platforms
        self._voice_listeners: list[Callable[[int | None], None]] = []
        self._resolved: BoundedCache[tuple[str, str], CallerRecord] = BoundedCache(
            CALLER_CACHE_SIZE, ttl=CALLER_CACHE_SECONDS
        )

    # -- the caller cache ----------------------------------------------------------------

    async def _resolve(self, platform: str, user_id: str) -> CallerRecord:
        key = (platform, user_id)
        found = self._resolved.get(key)
        if found is None:
            found = await self._repo.resolve(platform, user_id)
            self._resolved.put(key, found)
        return found

    async def _changed_account(self, platform: str, user_id: str) -> None:
        self._forget_account(platform, user_id)
        await self._tell_others(ACCOUNT, f"{platform}:{user_id}")

    async def _changed_member(self, member_id: int) -> None:
        """Drop every cached account of a member (all its accounts see the change), here
        and in the other processes."""
        self._forget_member(member_id)
        await self._tell_others(MEMBER, str(member_id))

    def _forget_account(self, platform: str, user_id: str) -> None:
        self._resolved.pop((platform, user_id))

    def _forget_member(self, member_id: int) -> None:
        self._resolved.discard_where(
            lambda _key, record: record.member is not None and record.member.id == member_id
        )

    def _forget_voice(self, member_id: int | None) -> None:
        for listener in self._voice_listeners:
            listener(member_id)

    async def _tell_others(self, kind: str, key: str) -> None:
        if self._changes is not None:
            await self._changes.publish(kind, key)

    def _noticed(self, kind: str, key: str) -> None:
        """Another process changed a member: drop what this one cached about them."""
        if kind == ACCOUNT:
            platform, _sep, user_id = key.partition(":")
            self._forget_account(platform, user_id)
        elif kind in (MEMBER, VOICE) and key.isdigit():
            self._forget_member(int(key))
            if kind == VOICE:
                self._forget_voice(int(key))
        else:  # the notices were interrupted: anything may have changed
            self._resolved.clear()
            self._forget_voice(None)

    # -- the core's member directory -------------------------------------------------

    async def caller(self, identity: Identity) -> Caller:
        record = await self._resolve(identity.platform, identity.user_id)
        if record.account is not None and record.account.unreachable_at is not None:
            # They are writing to us, so we can write to them again.
            await self._repo.mark_reachable(identity.platform, identity.user_id)
            await self._changed_account(identity.platform, identity.user_id)
        member = record.member
        language = (
            (member.language if member else None)
            or (record.account.language if record.account else None)
            or normalize_language(identity.language_hint)
            or self._default_language
        )
        accounts = {identity.key} | {f"{p}:{u}" for p, u in record.linked}
        role = self._policy.role_of(
            accounts, identity.platform_roles, record.roles, is_member=member is not None
        )
        return Caller(
            member_id=member.id if member else None,
            role=role,
            language=language,
            name=member.name if member else None,
            verified=bool(member and member.verified),
            kind=member.kind if member else None,
        )

    async def contact_points(self, member_id: int) -> tuple[str | None, list[tuple[str, str]]]:
        member = await self._repo.get(member_id)
        if member is None:
            return None, []
        accounts = [a for a in await self._repo.accounts_of(member_id) if not a.unreachable_at]
        accounts.sort(key=lambda a: _preference(a.platform))
        return member.language or self._default_language, [
            (a.platform, a.user_id) for a in accounts
        ]

    async def reach(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        ids = list(dict.fromkeys(member_ids))
        members = await self._repo.many(ids)
        accounts = await self._repo.accounts_of_many([member.id for member in members])
        found: dict[int, Contact] = {}
        for member in members:
            reachable = [a for a in accounts.get(member.id, []) if a.unreachable_at is None]
            reachable.sort(key=lambda a: _preference(a.platform))
            found[member.id] = Contact(
                language=member.language or self._default_language,
                accounts=tuple((a.platform, a.user_id) for a in reachable),
                email=member.email if member.verified else None,
            )
        return found

    async def email_of(self, member_id: int) -> str | None:
        """The confirmed e-mail address (an unconfirmed one may not be the member's)."""
        member = await self._repo.get(member_id)
        if member is None or not member.verified:
            return None
        return member.email

    async def accounts_of(self, member_id: int) -> list[tuple[str, str]]:
        """Every platform account of a member, reachable or not, as (platform, user id)."""
        return [(a.platform, a.user_id) for a in await self._repo.accounts_of(member_id)]

    async def mark_unreachable(self, platform: str, user_id: str) -> None:
        await self._repo.mark_unreachable(platform, user_id)
        await self._changed_account(platform, user_id)

    # -- registration ------------------------------------------------------------------

    @staticmethod
    def clean_name(text: str) -> str:
        name = " ".join(text.split())
        if len(name) < 2 or len(name) > 80:
            raise UserError(_("Please give a name of 2 to 80 characters."))
        if not any(ch.isalpha() for ch in name) or "http" in name.lower() or "@" in name:
            raise UserError(_("That does not look like a name. Please type your name."))
        return name

    async def clean_email(self, text: str) -> str:
        email = text.strip()
        if len(email) > 254 or not EMAIL_PATTERN.match(email):
            raise UserError(_("That is not a valid e-mail address. Example: naam@voorbeeld.nl"))
        local, _at, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
        existing = await self._repo.by_email(email)
        if existing is not None and existing.erased_at is None:
            raise UserError(
                _(
                    "This e-mail address is already registered. If that is you, link this "
                    "account with /koppel from the account you registered with."
                )
            )
        return email

    async def register(
        self,
        platform: str,
        user_id: str,
        *,
        name: str,
        email: str,
        work_situation: str,
        province: str,
        language: str | None,
    ) -> int:
        """Create the member once consent is given; returns the member id."""
        work, where = known(WorkSituation, work_situation), known(Province, province)
        if work is None or where is None:
            raise UserError(_("Something in your answers is not valid. Please start again."))
        record = await self._repo.resolve(platform, user_id)
        if record.member is not None:
            return record.member.id  # a repeated consent after a restart
        try:
            member_id = await self._repo.create(
                platform,
                user_id,
                NewMember(name, email, work, where, language, utcnow()),
            )
        except EmailTaken:
            raise UserError(
                _("This e-mail address was registered a moment ago. Use /koppel to link accounts.")
            ) from None
        except IdentityTaken:
            raise UserError(_("This account already belongs to a member. See /profiel.")) from None
        finally:
            await self._changed_account(platform, user_id)
        log.info("member %s registered from %s", member_id, platform)
        return member_id

    async def send_code(self, member_id: int, *, force: bool = False) -> str:
        """Mail a new 6-digit code; returns it (development mode shows it on the console)."""
        member = await self._repo.get(member_id)
        if member is None or member.email is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        previous = await self._repo.verification(member_id)
        now = utcnow()
        if previous is not None and not force:
            if previous.sent_count >= MAX_CODE_SENDS and previous.expires_at > now:
                raise UserError(
                    _("You asked for many codes. Please use the last one or wait half an hour.")
                )
            if previous.last_sent_at + RESEND_PAUSE > now:
                raise UserError(
                    _("A code was sent less than a minute ago. Please check your mail.")
                )
        code = f"{secrets.randbelow(1_000_000):06d}"
        await self._repo.save_verification(
            member_id, _hash(code, scope=f"verify:{member_id}"), now + CODE_LIFETIME
        )
        subject = _("Your Werkbot code: {code}").format(code=code)
        body = _(
            "Hello {name},\n\nYour code to confirm your e-mail address for Werkbot, the bot of "
            "De Werkvereniging, is:\n\n    {code}\n\nIt is valid for 30 minutes. Did you not "
            "ask for it? Then you can ignore this mail.\n\nDe Werkvereniging"
        ).format(name=member.name, code=code)
        try:
            await self._mailer.send(member.email, subject, body)
        except MailError:
            await self._repo.expire_verification(member_id)  # so the next try sends a fresh one
            raise UserError(
                _("The mail could not be sent right now. Try again later with the button below.")
            ) from None
        return code

    async def ensure_code(self, member_id: int) -> str | None:
        """Send a code unless a live one is out (e.g. the first mail failed); the code or None."""
        row = await self._repo.verification(member_id)
        if row is not None and row.expires_at > utcnow() and row.attempts < MAX_CODE_ATTEMPTS:
            return None
        return await self.send_code(member_id, force=True)

    async def verify(self, member_id: int, typed: str) -> VerifyResult:
        member = await self._repo.get(member_id)
        if member is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        if member.verified:
            return VerifyResult.ALREADY
        row = await self._repo.verification(member_id)
        if row is None or row.expires_at <= utcnow():
            return VerifyResult.EXPIRED
        if row.attempts >= MAX_CODE_ATTEMPTS:
            return VerifyResult.TOO_MANY
        code = re.sub(r"\s", "", typed)
        if not hmac.compare_digest(row.code_hash, _hash(code, scope=f"verify:{member_id}")):
            await self._repo.count_failed_attempt(member_id)
            return VerifyResult.WRONG
        await self._repo.mark_verified(member_id)
        await self._changed_member(member_id)
        return VerifyResult.OK

    def shows_code_in_chat(self, platform: str) -> bool:
        """Development mode only: the code may appear in the chat of these local platforms."""
        return self._mailer.development and platform in self._code_in_chat_platforms

    # -- linking accounts ----------------------------------------------------------------

    async def new_link_code(self, member_id: int) -> tuple[str, datetime]:
        raw = "".join(secrets.choice(LINK_ALPHABET) for _i in range(8))
        expires = utcnow() + LINK_LIFETIME
        await self._repo.save_link_code(member_id, _hash(raw, scope="link"), expires)
        return f"{raw[:4]}-{raw[4:]}", expires

    async def link(self, platform: str, user_id: str, typed_code: str) -> int:
        code = normalize_link_code(typed_code)
        if len(code) != 8:
            raise UserError(_("A link code has 8 characters, like ABCD-EFGH."))
        try:
            member_id = await self._repo.link_with_code(
                _hash(code, scope="link"), platform, user_id
            )
        except IdentityTaken:
            raise UserError(
                _(
                    "This account already belongs to another member. Erase that membership "
                    "first with /vergeetmij if you want to link it."
                )
            ) from None
        if member_id is None:
            raise UserError(_("This code is unknown, used or expired. Ask a new one with /koppel."))
        await self._changed_account(platform, user_id)
        await self._changed_member(member_id)
        log.info("member %s linked a %s account", member_id, platform)
        return member_id

    # -- profile, language, roles, sponsors -------------------------------------------------

    async def set_language(
        self, platform: str, user_id: str, member_id: int | None, language: str
    ) -> None:
        await self._repo.set_language(platform, user_id, member_id, language)
        await self._changed_account(platform, user_id)
        if member_id is not None:
            await self._changed_member(member_id)

    async def profile(self, member_id: int) -> Profile:
        member = await self._repo.get(member_id)
        if member is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        organization = (
            await self._repo.organization(member.organization_id)
            if member.organization_id
            else None
        )
        roles = [grant.role for grant in await self._repo.roles_of(member_id)]
        accounts = [a.platform for a in await self._repo.accounts_of(member_id)]
        return Profile(
            member_id=member_id,
            name=member.name or "",
            email=member.email,
            verified=member.verified,
            kind=member.kind,
            organization=organization.name if organization else None,
            work_situation=member.work_situation,
            province=member.province,
            language=member.language,
            roles=roles,
            accounts=accounts,
        )

    async def _existing(self, member_id: int) -> MemberRecord:
        member = await self._repo.get(member_id)
        if member is None:
            raise UserError(_("There is no member with number {id}.").format(id=member_id))
        return member

    async def grant_opjutter(self, member_id: int, granted_by: str) -> bool:
        await self._existing(member_id)
        granted = await self._repo.grant(member_id, "opjutter", granted_by)
        await self._changed_member(member_id)
        return granted

    async def revoke_opjutter(self, member_id: int) -> bool:
        await self._existing(member_id)
        revoked = await self._repo.revoke(member_id, "opjutter")
        await self._changed_member(member_id)
        return revoked

    async def create_sponsor(self, name: str) -> int:
        clean = " ".join(name.split())
        if len(clean) < 2 or len(clean) > 200:
            raise UserError(_("Please give a sponsor name of 2 to 200 characters."))
        try:
            return await self._repo.create_organization(clean)
        except NameTaken:
            raise UserError(_("A sponsor with this name already exists.")) from None

    async def add_representative(self, organization_id: int, member_id: int) -> str:
        organization = await self._repo.organization(organization_id)
        if organization is None:
            raise UserError(_("There is no sponsor with number {id}.").format(id=organization_id))
        await self._existing(member_id)
        await self._repo.set_organization(member_id, organization_id)
        await self._voice_changed(member_id)
        return organization.name

    async def remove_representative(self, member_id: int) -> None:
        member = await self._existing(member_id)
        if member.organization_id is None:
            raise UserError(_("Member {id} does not represent a sponsor.").format(id=member_id))
        await self._repo.set_organization(member_id, None)
        await self._voice_changed(member_id)

    def on_voice_change(self, listener: Callable[[int | None], None]) -> None:
        """Call ``listener(member_id)`` whenever where a member's voice counts changes
        (becoming or ceasing to be a sponsor representative), so that caches of voices
        elsewhere (surveys) drop the member at once: one person one vote must not wait
        for a cache to expire. Also for a change made in another process (it tells this
        one); ``listener(None)``: anything may have changed, drop every voice."""
        self._voice_listeners.append(listener)

    async def _voice_changed(self, member_id: int) -> None:
        self._forget_member(member_id)
        self._forget_voice(member_id)
        await self._tell_others(VOICE, str(member_id))

    async def sponsors(self) -> list[tuple[int, str, int]]:
        """Every sponsor as (number, name, number of representatives), by name."""
        return [(org.id, org.name, count) for org, count in await self._repo.organizations()]

    async def voter_facts(self, member_id: int) -> VoterFacts:
        """Voice and segment in one read (another module's first contact with a member)."""
        member = await self._repo.get(member_id)
        if member is None:
            raise UserError(_("You are not registered yet. Use /registreer to sign up."))
        return _facts(member)

    async def voters(self, member_ids: Iterable[int]) -> dict[int, VoterFacts]:
        """Voice and segment of many members in one read (erased ones are left out)."""
        ids = list(dict.fromkeys(member_ids))
        return {member.id: _facts(member) for member in await self._repo.many(ids)}

    async def voice_of(self, member_id: int) -> str:
        """The key under which a member's voice counts: the person, or their sponsor as one."""
        return (await self.voter_facts(member_id)).voice_key

    async def audience(
        self,
        *,
        work_situations: frozenset[str] = frozenset(),
        provinces: frozenset[str] = frozenset(),
        kinds: frozenset[str] = frozenset(),
        verified_only: bool = False,
    ) -> list[VoterFacts]:
        """The members an audience covers (all, or those with one of these work
        situations, provinces, kinds; segment facts as they are now), with their voices."""
        which = MemberFilter(work_situations, provinces, kinds, verified_only)
        return [_facts(member) for member in await self._repo.members(which)]

    async def cards(self, member_ids: Iterable[int]) -> dict[int, MemberCard]:
        """Name and segment of many members at once (erased ones are left out)."""
        ids = list(dict.fromkeys(member_ids))
        return {
            member.id: MemberCard(
                member.id,
                member.name or "",
                member.kind,
                member.work_situation,
                member.province,
            )
            for member in await self._repo.many(ids)
        }

    def own_voice(self, member_id: int) -> str:
        """A member's personal voice, also when they represent a sponsor."""
        return own_voice(member_id)

    async def search(self, text: str | None) -> list[tuple[int, str, MemberKind, bool]]:
        """Members whose name or e-mail holds ``text``, as (number, name, kind, verified)."""
        return [
            (member.id, member.name or "", member.kind, member.verified)
            for member in await self._repo.search(text)
        ]

    async def purge_expired_codes(self) -> int:
        return await self._repo.purge_expired_codes()

    # -- AVG/GDPR --------------------------------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        return await self._repo.export(member_id)

    async def erase(self, member_id: int) -> None:
        """Erase the member itself; other modules' hooks have run before (see privacy)."""
        await self._repo.erase(member_id)
        await self._voice_changed(member_id)

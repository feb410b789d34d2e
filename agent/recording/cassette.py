"""Record and replay: one vcrpy configuration for the CLI, evals and pytest.

- live:   no vcrpy at all; requests go to the services.
- record: vcrpy record_mode "all"; the SDKs call the real services (keys
          needed) and every accepted interaction is written, scrubbed, to the
          cassette. The file is replaced atomically and only if the block ends
          without an exception and every request it sent got an answer that
          was recorded (see _unanswered.py), so a failed recording never
          clobbers a good one.
          A recording that fails or is interrupted keeps what it recorded in
          `incomplete_path(path)`; `cassette("record", path, resume=True)`
          loads that file, answers a request it already holds from it (a
          paid call is never paid twice) and records the rest, then writes the
          whole cassette to `path` and removes the incomplete one.
- replay: vcrpy record_mode "none"; every request must be in the cassette and
          the network is never used. A miss is raised as a CassetteMissError
          (exit code 4) by vcrpy's stub itself (see misses.stub_patches), and
          one that escapes the block wrapped in another error is unwrapped.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.persisters.filesystem import CassetteNotFoundError, FilesystemPersister
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serialize import serialize as vcr_serialize

from agent.errors import CassetteMissError, InputError
from agent.recording import _resets, _unanswered, matching, scrub, serializer
from agent.recording.misses import cassette_miss_from, forget_senders, note_sender, replay_miss, stub_patches
from agent.recording.responses import ResponseLedger, bound_ledger, install_hooks

Mode = Literal["live", "record", "replay"]

_active_modes: list[Mode] = []


def configure_vcr(instance: vcr.VCR) -> vcr.VCR:
    """Register Retest's serializer and matchers on a vcrpy instance (CLI and pytest)."""
    instance.register_serializer(serializer.NAME, serializer)
    instance.register_matcher("retest_body", matching.match_body)
    instance.register_matcher("retest_query", matching.match_query)
    return instance


def vcr_options() -> dict[str, Any]:
    """use_cassette options shared by every cassette in the repo (mode excluded)."""
    return {
        "serializer": serializer.NAME,
        "match_on": matching.MATCH_ON,
        # note_sender sees the request before scrubbing, as vcrpy's miss does.
        "before_record_request": (note_sender, scrub.scrub_request),
        "before_record_response": scrub.scrub_response,
        "after_load_interaction": scrub.mark_loaded,
        "before_save_interaction": scrub.redact_env_secrets,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
        "custom_patches": stub_patches(),
    }


class _RecordingPersister(FilesystemPersister):
    """Starts every recording empty and writes it atomically (temporary file, then rename).

    Nothing is loaded: a re-recording holds only what this run sent, and an
    old file that no longer parses cannot stop a new recording.
    """

    @classmethod
    def load_cassette(cls, cassette_path: str | os.PathLike, serializer: Any) -> Any:
        raise CassetteNotFoundError()

    @staticmethod
    def save_cassette(cassette_path: str | os.PathLike, cassette_dict: dict, serializer: Any) -> None:
        target = Path(cassette_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = vcr_serialize(cassette_dict, serializer)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass
class CassetteHandle:
    """What a test or eval can ask of an open cassette."""

    mode: Mode
    path: Path | None
    _cassette: Cassette | None = field(default=None, repr=False)

    @property
    def play_count(self) -> int:
        """Responses answered from the cassette so far."""
        return self._cassette.play_count if self._cassette is not None else 0

    @property
    def interaction_count(self) -> int:
        """Interactions held: loaded ones in replay, newly recorded ones in record."""
        return len(self._cassette) if self._cassette is not None else 0

    def unplayed(self) -> list[str]:
        """Recorded requests never answered in this replay, as 'METHOD host/path'."""
        if self._cassette is None or self.mode != "replay":
            return []
        cassette = self._cassette
        return [f"{request.method} {request.host}{request.path}" for index, (request, _) in enumerate(cassette.data) if cassette.play_counts[index] == 0]

    @property
    def all_played(self) -> bool:
        """True when every recorded interaction was replayed (always True outside replay)."""
        return not self.unplayed()

    def drop_unasked(self, kept: int) -> int:
        """In a resumed recording, drop the first `kept` interactions (the ones it loaded) that this sitting never asked for.

        Only for a sitting that ran its line from the start, so every request it still makes was asked in it:
        a changed prompt's old calls would otherwise fail the exact replay. `retest resume` continues from a
        checkpoint and must keep what it does not ask again, so it never calls this. Returns how many were dropped.
        """
        cassette = self._cassette
        if cassette is None or self.mode != "record":
            return 0
        asked = [i for i in range(len(cassette.data)) if i >= kept or cassette.play_counts[i]]
        dropped = len(cassette.data) - len(asked)
        if dropped:
            cassette.data[:] = [cassette.data[i] for i in asked]
            cassette.dirty = True
        return dropped


def active_mode() -> Mode:
    """The mode of the innermost open `cassette()`, "live" when none is open.

    Process-wide rather than per-context, as vcrpy's patching is: graph
    branches running in worker threads see it too.
    """
    return _active_modes[-1] if _active_modes else "live"


def max_retries_for(mode: Mode | None = None, *, live: int = 2) -> int:
    """SDK retries to configure: 0 in replay (a miss must surface at once), else `live`."""
    return 0 if (mode or active_mode()) == "replay" else live


def _check_replayable(path: Path) -> None:
    """Fail with an input error before replay if the cassette is absent or unreadable."""
    if path.is_dir():
        raise InputError(f"cassette {path} is a directory, not a cassette file", hint="Give the cassette's .yaml file.")
    if not path.is_file():
        raise InputError(
            f"cassette {path} does not exist",
            hint="Record it with --record CASSETTE (needs keys), or check the path.",
        )
    try:
        # vcrpy's own loader, so a hand-written entry missing a field fails here, by name.
        vcr_deserialize(path.read_text(encoding="utf-8"), serializer)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"cassette {path} cannot be read: {exc}",
            hint="Restore it from version control or record it again with --record CASSETTE.",
        ) from exc


def _serialise_playback(vcr_cassette: Cassette) -> None:
    """Make choosing and marking a recorded answer atomic across graph threads.

    vcrpy checks "not yet played" and then marks it played without a lock, so
    two branches sending the same request at once could both get one answer.
    Its stubs check `can_play_response_for` before calling this, unlocked: a
    branch that passed the check while another took the last answer gets
    vcrpy's bare KeyError, which the SDKs report as a connection failure. It
    is a miss (the run sent the request more often than the recording), so
    it is raised as one.
    """
    lock = threading.Lock()
    play = vcr_cassette.play_response

    @functools.wraps(play)
    def locked_play(request: Any) -> Any:
        with lock:
            try:
                return play(request)
            except UnhandledHTTPRequestError:
                miss = replay_miss(cassette=vcr_cassette, failed_request=request)
                # Caused by vcrpy's account of the miss, not by the bare KeyError.
                raise miss from miss.__cause__

    vcr_cassette.play_response = locked_play


def incomplete_path(path: Path) -> Path:
    """Where a recording that did not finish keeps the calls it recorded (and paid for)."""
    return path.with_name(f"{path.stem}.incomplete{path.suffix or '.yaml'}")


def _resuming_persister(base: Path) -> type[FilesystemPersister]:
    """A recording persister that starts from the incomplete recording at `base` instead of empty."""

    class Resuming(_RecordingPersister):
        @classmethod
        def load_cassette(cls, cassette_path: str | os.PathLike, serializer: Any) -> Any:
            return FilesystemPersister.load_cassette(base, serializer)

    return Resuming


def _save_recorded(vcr_cassette: Cassette, target: Path) -> None:
    """Write every interaction the cassette holds (loaded and new) to `target`, atomically."""
    _RecordingPersister.save_cassette(target, {"requests": vcr_cassette.requests, "responses": vcr_cassette.responses}, serializer)


class _NowherePersister(FilesystemPersister):
    """Live mode under a response ledger: vcrpy only for its hooks, nothing loaded, nothing written."""

    @classmethod
    def load_cassette(cls, cassette_path: str | os.PathLike, serializer: Any) -> Any:
        raise CassetteNotFoundError()

    @staticmethod
    def save_cassette(cassette_path: str | os.PathLike, cassette_dict: dict, serializer: Any) -> None:
        return None


def _use_cassette(mode: Mode, path: Path, *, resume: bool = False) -> Any:
    instance = configure_vcr(vcr.VCR())
    options = vcr_options()
    if mode == "live":
        instance.register_persister(_NowherePersister)
        options.update(record_mode="all", record_on_exception=False)
    elif mode == "record" and resume:
        instance.register_persister(_resuming_persister(incomplete_path(path)))
        # new_episodes: a request the incomplete recording holds is answered from it, not sent again.
        options.update(record_mode="new_episodes", record_on_exception=False)
    elif mode == "record":
        instance.register_persister(_RecordingPersister)
        options.update(record_mode="all", record_on_exception=False)
    else:
        options.update(record_mode="none")
    return instance.use_cassette(os.fspath(path), **options)


def _new_recordings_are_not_answers(vcr_cassette: Cassette) -> None:
    """In a resumed recording, what the server just answered is never replayed to a later request.

    new_episodes plays any interaction whose play count is 0, and one recorded in this sitting starts at 0:
    a retry identical to the request before it (a bigger budget is not matched on) would get the truncated
    answer back instead of reaching the server. Counting each new interaction as played sends the retry on.
    """
    append = vcr_cassette.append

    def append_played(request: Any, response: Any) -> None:
        before = len(vcr_cassette.data)
        append(request, response)
        for index in range(before, len(vcr_cassette.data)):
            vcr_cassette.play_counts[index] += 1

    vcr_cassette.append = append_played


@contextmanager
def cassette(mode: Mode, path: Path | None, *, resume: bool = False, responses: ResponseLedger | None = None) -> Iterator[CassetteHandle]:
    """Run the block live, recording to `path`, or replaying from `path`.

    Raises InputError for a replay cassette that is missing or unreadable, and
    turns a cassette miss escaping the block into CassetteMissError.
    `responses`: the run's response ledger (see responses.py), bound to the block's context; live mode then goes
    through vcrpy too, for its hooks, in one cassette all live runs of the process share.
    """
    if mode == "live" and responses is not None:
        with _ledger_only(responses) as handle:
            yield handle
        return
    if mode == "live":
        if path is not None:
            raise ValueError("live mode takes no cassette path")
        _active_modes.append(mode)
        try:
            yield CassetteHandle(mode, None)
        finally:
            _active_modes.pop()
        return
    if mode not in ("record", "replay"):
        raise ValueError(f"unknown cassette mode {mode!r}")
    if path is None:
        raise ValueError(f"{mode} mode needs a cassette path")
    path = Path(path)
    if mode == "replay":
        _check_replayable(path)
    if resume and (mode != "record" or not incomplete_path(path).is_file()):
        raise InputError(f"no incomplete recording {incomplete_path(path)} to continue", hint="Record the run again from the start with --record.")
    forget_senders()
    _active_modes.append(mode)
    recording: Cassette | None = None
    try:
        with _use_cassette(mode, path, resume=resume) as vcr_cassette, _resets.httpx_stays_patched():
            recording = vcr_cassette if mode == "record" else None
            if resume:
                _new_recordings_are_not_answers(vcr_cassette)
            _serialise_playback(vcr_cassette)
            seen = _unanswered.watch(vcr_cassette) if mode == "record" else None
            if responses is not None:
                responses.attach(vcr_cassette, record=mode == "record")
            with responses.bound() if responses is not None else nullcontext():
                yield CassetteHandle(mode, path, vcr_cassette)
            if seen is not None:
                _unanswered.check_answered(vcr_cassette, seen, path)
        if recording is not None:
            # vcrpy saves only when something new was recorded; a resume answered wholly from the
            # incomplete recording must still leave the whole cassette at `path`.
            if resume:
                _save_recorded(recording, path)
            incomplete_path(path).unlink(missing_ok=True)
    except BaseException as exc:
        if recording is not None and len(recording) and not isinstance(exc, GeneratorExit):
            # Every interaction here was paid for: keep them for `retest resume`, never over a good cassette.
            _save_recorded(recording, incomplete_path(path))
        _reraise_as_miss(exc)
    finally:
        _active_modes.pop()


class _SharedLive:
    """The one vcrpy cassette of every live run in the process: entered by the first run, left by the last.

    vcrpy patches HTTP for the whole process, and a cassette that exits restores what was there when it
    entered: with a cassette per run, overlapping live lines (`retest run --all`) would unpatch each other,
    and a line's requests would go unlogged. The shared cassette's hooks serve each request's own run
    (ResponseLedger.bound).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._stack: ExitStack | None = None

    @contextmanager
    def joined(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                stack = ExitStack()
                try:
                    vcr_cassette = stack.enter_context(_use_cassette("live", Path(os.devnull)))
                    stack.enter_context(_resets.httpx_stays_patched())
                    install_hooks(vcr_cassette, record=False, owner=bound_ledger)
                except BaseException:
                    stack.close()
                    raise
                self._stack = stack
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._stack is not None:
                    self._stack.close()
                    self._stack = None


_SHARED_LIVE = _SharedLive()


@contextmanager
def _ledger_only(responses: ResponseLedger) -> Iterator[CassetteHandle]:
    """Live: requests go out as without a cassette, but each answer is stored first and a stored one is given back."""
    _active_modes.append("live")
    try:
        with _SHARED_LIVE.joined(), responses.bound():
            yield CassetteHandle("live", None)
    finally:
        _active_modes.pop()


def _reraise_as_miss(exc: BaseException) -> NoReturn:
    """Re-raise `exc`, as a CassetteMissError when it wraps one."""
    try:
        raise exc
    except CassetteMissError:
        raise
    except Exception as exc:
        # A miss some caller wrapped (a ProviderError, an exception group from parallel
        # branches) or vcrpy's own from a stub not patched: say what it really is.
        miss = cassette_miss_from(exc, method="?", url="?")
        if miss is None:
            raise
        raise miss from exc

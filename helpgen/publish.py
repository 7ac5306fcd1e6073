"""Publishing a built site: a staged tree next to ``--out``, then one atomic switch.

A web server serving ``--out`` never sees a half-written site, and a failed build leaves the
previous site exactly as it was. On Linux the switch is a single ``renameat2(RENAME_EXCHANGE)``
(both folders swap names at once); elsewhere it is two renames a moment apart.

``--out`` is replaced whole, so helpgen refuses to publish over a non-empty folder that it did
not create (it marks its own output with ``.helpgen-site``): a typo in ``--out`` must never
wipe someone's home folder.

**Double buffering** (with ``state=``, as ``helpgen build`` does: ``CACHE/publish/``). The
previous generation of the site is not deleted after the switch but kept as the *spare*
(``CACHE/publish/spare``, or ``.NAME.spare`` next to ``--out`` when the cache is on another
file system). The next build claims the spare (renames it to the staging name next to
``--out``), brings it up to date and exchanges it with ``--out``; the tree it replaces becomes
the next spare. The work is proportional to what differs between the spare and the new site,
not to the size of the site:

- Most files of the spare are hard links to the very same inodes as the published site. A
  file is carried over when the spare's inode is the published one (no system call for a
  content-addressed file, one ``lstat`` for any other); otherwise it is re-linked from
  ``--out``. Files identical to the published ones therefore keep their inode and mtime, so
  ``rsync``/``s3 sync`` upload only what changed.
- A file that changes is never written into an inode the published site shares (those are
  never modified in place). It goes into an inode of the spare's own: its old version at that
  path, a file of the spare the new site drops (``write_files``: renamed within its folder),
  or a *retired* file (:mod:`helpgen.publish_retired`, ``CACHE/publish/retired``), and only
  when no process has that inode open and nothing else links it; else into a new inode.
  Making and deleting inodes is what a small edit of a big site paid for most: without a
  journal, ext4 passes over every inode freed in the last minutes to make a new one.
- ``write()`` of data that is not content-addressed compares a hash of the bytes with the one
  recorded when the published file was written, instead of reading that file. When the
  spare's own file already holds the bytes (an edit undone), it stays as it is.
- Files of the spare the new site lacks are removed, and folders left empty too. A file
  whose inode the published site shares is unlinked (~10 us); the last link to an inode is
  kept as a retired file for later writes, or, beyond a limit (and for folders), moved to a
  trash folder (``.NAME.old-PID-…``) deleted after the switch (in the background when big),
  because unlinking it frees its blocks, ~1 ms each on ext4.

What each tree holds is remembered in the cache (:mod:`helpgen.publish_state`): every file's
inode, size, mtime and hash, every folder's inode and ctime, each root's inode and ctime. No
walk is needed. Before use, the spare is checked against its record with one ``lstat`` per
folder (any entry added, removed or renamed moves its folder's ctime), and every file carried
over is checked by ``lstat`` against the record of the published file (an in-place edit moves
its mtime). Anything unexpected falls back to a safe, slower path and is never published:

- no record, a record of another ``--out``, a root that is not the recorded one, or a folder
  that changed: the spare is *scanned* (one ``scandir`` per folder); files whose inode is not
  the published one are replaced when needed and removed otherwise;
- no spare at all: a new tree is made and every unchanged file hard-linked into it (the first
  publish, having no previous site to keep, clones the new site into the spare, so the next
  build already has one);
- a build that fails or is interrupted puts the claimed spare back for the next build to
  scan; one killed outright leaves a staging folder named after its process, which the next
  build adopts as the spare (if it is a finished tree) or removes.

Forked render workers call :meth:`StagedSite.keep` and :meth:`StagedSite.write` on their
copies; they append what they change to a journal (:class:`~helpgen.publish_state.Journal`)
that the parent reads before publishing. After :meth:`StagedSite.publish`,
:meth:`StagedSite.published_file` gives each file's record (inode, size, mtime), so the build
manifest needs no ``stat`` of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import logging
import mmap
import os
import shutil
import stat
import subprocess
import tempfile
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Mapping

from helpgen.publish_retired import RetiredFiles, best_fit
from helpgen.publish_state import UNKNOWN, FileEntry, FolderEntry, Journal, PublishState, TreeRecord, scan_tree

__all__ = ["PublishError", "StagedSite", "MARKER_FILE"]

log = logging.getLogger("helpgen.publish")

MARKER_FILE = ".helpgen-site"
BACKGROUND_REMOVAL_FILES = 5000
"""A previous site with at least this many files is deleted in the background."""
_MARKER_TEXT = b"This folder is a site built by helpgen; helpgen replaces it whole on every build.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STATE_FILE = "state.marshal"
_PAGE = max(mmap.PAGESIZE, 4096)
_CHUNK = 4096  # files of a write_files batch between two progress counts
_SMALL_TRASH = 100
"""Up to this many files moved to the trash are deleted before the build ends, not in the background."""


class PublishError(Exception):
    """The output folder cannot be written or switched; the message names the path."""


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2). False when the platform cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        error = ctypes.get_errno()
        if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system cannot exchange
            return False
        raise PublishError(f"cannot switch {b} into place: {os.strerror(error)}")
    return True


def _overwrite(fd: int, data: bytes) -> None:
    """Make the file of ``fd`` (at offset 0) hold ``data``. Written in whole pages, zeros
    after the data, then cut to size: a page partly written whose old bytes are not in memory
    would be read from the disk first (~50 us a file), only to be overwritten."""
    pad = -len(data) % _PAGE
    done = os.writev(fd, [data, bytes(pad)]) if pad else os.write(fd, data)  # one call: whole pages
    if done < len(data) + pad:  # a short write (huge data): finish it plainly
        rest = memoryview(data + bytes(pad))[done:]
        while rest:
            rest = rest[os.write(fd, rest) :]
    os.ftruncate(fd, len(data))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers: a previous build in this process failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _content_hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _folder_entry(path: str) -> FolderEntry:
    info = os.lstat(path)
    return (info.st_ino, info.st_ctime_ns)


def _parent(key: str) -> str:
    return key.rpartition("/")[0]


def _under(prefix: str, keys: Iterable[str]) -> list[str]:
    """The keys equal to ``prefix`` or inside the folder ``prefix``."""
    inside = prefix + "/"
    return [k for k in keys if k == prefix or k.startswith(inside)]


class StagedSite:
    """A site being written next to its final folder; :meth:`publish` switches it in.

    Use as a context manager: leaving the block without publishing puts the staging tree
    away (back as the spare, or removed) and leaves ``out_dir`` untouched. ``state`` is a
    folder in the build cache where the two trees are recorded (double buffering, see the
    module docstring); without it the previous site is deleted after each switch.
    """

    def __init__(self, out_dir: Path, *, state: Path | None = None) -> None:
        self.out_dir = Path(out_dir).absolute()
        self._check_target()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.paths: set[str] = set()
        self.files_written = 0
        self.files_unchanged = 0
        self.files_removed = 0
        self.bytes_written = 0
        self._published = False
        self._owner = os.getpid()
        self._out = str(self.out_dir)
        self._state_dir = Path(state).absolute() if state is not None else None
        self._journal: Journal | None = None
        self._out_root: FolderEntry | None = None
        if (self.out_dir / MARKER_FILE).is_file():
            self._out_root = _folder_entry(self._out)
        # What the published tree holds (None: not recorded; each file is then lstat'ed).
        self._live: dict[str, FileEntry] | None = None
        self._live_folders: dict[str, FolderEntry] = {}
        # What the tree being staged holds, as the parent process knows it.
        self._tree: dict[str, FileEntry] = {}
        self._folders: dict[str, FolderEntry | None] = {"": None}  # None: to be read at publish
        self._touched: set[str] = {""}  # folders whose entries changed (their ctime moved)
        self._maybe_empty: set[str] = set()
        self._claimed = False  # the staging tree is the spare (put back on failure)
        self._claiming: Path | None = None
        self._trash: str | None = None  # where files of the spare go instead of being unlinked
        self._trashed = 0
        self._retired: RetiredFiles | None = None  # the spare's old files, kept for reuse
        self._batch: Mapping[str, bytes] | None = None  # during write_files (parent, reusing files)
        self._stale: dict[str, dict[int, list[str]]] | None = None  # of that batch: see _stale_files
        self.spare = "none"
        """How the staging tree was obtained: "none" (a new tree), "recorded" (the spare,
        checked against its record) or "scanned" (the spare, its record missing or stale)."""
        self._spare_path: Path | None = None
        saved: PublishState | None = None
        if self._state_dir is not None:
            self._state_dir.mkdir(parents=True, exist_ok=True)
            self._spare_path = self._spare_location()
            self._journal = Journal(self._state_dir / "journal")
            self._journal.clear()
            saved = PublishState.load(self._state_dir / _STATE_FILE)
        self._cleanup_leftovers()
        if saved is not None and saved.out_dir == self._out and saved.live.root == self._out_root:
            self._live, self._live_folders = saved.live.files, saved.live.folders
        root: Path | None = None
        try:
            root = self._claim_spare(saved) if self._spare_path is not None else None
        except BaseException:  # SIGTERM included: a claimed spare goes back
            if self._claiming is not None:
                self.root = self._claiming
                self.discard()
            raise
        if root is not None:
            self.root = root
        else:
            self.root = Path(
                tempfile.mkdtemp(prefix=f".{self.out_dir.name}.staging-{os.getpid()}-", dir=self.out_dir.parent)
            )
            os.chmod(self.root, 0o755)
        self._root = str(self.root)

    # -- where things are ----------------------------------------------------------------

    def _check_target(self) -> None:
        out = self.out_dir
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise PublishError(f"{out}: exists and is not a folder; choose another --out")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER_FILE).is_file():
            raise PublishError(
                f"{out}: folder is not empty and was not built by helpgen; "
                "helpgen replaces --out whole, so choose an empty or new folder"
            )

    def _spare_location(self) -> Path:
        """The spare lives in the cache when that is on the same file system as ``--out``
        (hard links and renames need it), else next to ``--out``."""
        assert self._state_dir is not None
        if os.lstat(self._state_dir).st_dev == os.lstat(self.out_dir.parent).st_dev:
            return self._state_dir / "spare"
        return self.out_dir.parent / f".{self.out_dir.name}.spare"

    def _cleanup_leftovers(self) -> None:
        """Deal with staging/old folders that an earlier run, since killed, left behind: a
        finished tree (it has the marker) becomes the spare if there is none, the rest is removed
        in the background (an old folder may be one the last run's ``rm`` is still deleting:
        waiting for it would put seconds of a big site's deletion on this build's path)."""
        prefixes = (f".{self.out_dir.name}.staging-", f".{self.out_dir.name}.old-")
        for entry in sorted(self.out_dir.parent.iterdir()):
            if not entry.name.startswith(prefixes) or entry.is_symlink() or not entry.is_dir():
                continue
            pid_text = entry.name.rsplit(".", 1)[-1].split("-")[1]
            if not pid_text.isdigit() or _process_alive(int(pid_text)):
                continue
            spare = self._spare_path
            if (
                spare is not None
                and ".staging-" in entry.name
                and (entry / MARKER_FILE).is_file()
                and not os.path.lexists(spare)
            ):
                os.rename(entry, spare)  # scanned before use: nothing of it is trusted
                continue
            try:
                os.rmdir(entry)  # empty (a trash that was never used)
            except OSError:
                self._remove_tree(entry, background=True)

    def path_for(self, site_path: str) -> Path:
        """The staging file for a site path, refusing anything that would land outside.

        A string check (no file system calls): helpgen itself creates every folder in the
        staging tree, so there are no links inside it to follow.
        """
        return Path(self._target(site_path)[0])

    def _target(self, site_path: str) -> tuple[str, str]:
        """(absolute staging path, normalised site path) for ``site_path``; refuses escapes."""
        root = self._root
        target = os.path.normpath(os.path.join(root, site_path))
        if not target.startswith(root + os.sep):
            raise PublishError(f"refusing to write {site_path!r}: it resolves outside the output folder")
        return target, target[len(root) + 1 :].replace(os.sep, "/")

    # -- the spare -----------------------------------------------------------------------

    def _claim_spare(self, saved: PublishState | None) -> Path | None:
        """Take the spare as the staging tree: checked against its record, else scanned.

        Returns None (a new tree is made) when there is no usable spare."""
        spare = self._spare_path
        assert spare is not None
        if not os.path.lexists(spare):
            return None
        if spare.is_symlink() or not spare.is_dir():
            raise PublishError(f"{spare}: expected the spare site folder helpgen keeps; move it away")
        if self._out_root is None or not (spare / MARKER_FILE).is_file():
            # No published site to share files with (or not a finished site): of no use.
            # Deleted before the build goes on when its record says it is small.
            small = saved is not None and saved.spare is not None and len(saved.spare.files) < BACKGROUND_REMOVAL_FILES
            self._remove_tree(spare, background=not small)
            return None
        record = saved.spare if saved is not None and self._live is not None else None
        trusted = record is not None and self._spare_intact(str(spare), record)
        root = self.out_dir.parent / f".{self.out_dir.name}.staging-{os.getpid()}-{os.urandom(4).hex()}"
        self._claiming = root
        self._claimed = True  # set first: a rename done but not recorded would leave the spare stranded
        try:
            os.rename(spare, root)
        except OSError as error:  # e.g. the cache and --out are different mounts of one disk
            log.info("cannot use the spare site %s (%s); making a new tree", spare, error.strerror)
            self._claiming, self._claimed = None, False
            return None
        self._trash = tempfile.mkdtemp(prefix=f".{self.out_dir.name}.old-{os.getpid()}-", dir=self.out_dir.parent)
        self._retired = self._retired_files(spare)
        self.spare = "recorded" if trusted else "scanned"
        if trusted:
            assert record is not None
            # The spare's record is not needed again (the next spare is --out), so it becomes
            # the tree's, uncopied; unless it is the very same dict (a clone of --out).
            self._tree = record.files if record.files is not self._live else dict(record.files)
            self._folders = dict(record.folders)
            self._touched = set()
        else:
            log.info("the spare site %s has no trustworthy record: scanning it", spare)
            self._scan(str(root))
        return root

    def _retired_files(self, spare: Path) -> RetiredFiles | None:
        """The folder of retired files, next to the spare (same file system); None when it
        cannot be made (files are then created and deleted as they come)."""
        folder = spare.parent / ("retired" if spare.name == "spare" else f".{self.out_dir.name}.retired")
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            if folder.is_symlink() or os.lstat(folder).st_dev != os.lstat(self.out_dir.parent).st_dev:
                return None
        except OSError:
            return None
        return RetiredFiles(str(folder))

    def _spare_intact(self, spare: str, record: TreeRecord) -> bool:
        """True when every folder of the spare is as recorded (one lstat per folder)."""
        try:
            if _folder_entry(spare) != record.root or record.folders.get("") != record.root:
                return False
            for folder, entry in record.folders.items():
                if folder and _folder_entry(spare + "/" + folder) != entry:
                    return False
        except OSError:
            return False
        return True

    def _scan(self, root: str) -> None:
        """Learn what the spare holds from the file system (its record is missing or stale)."""
        inodes, folders, empty = scan_tree(root)
        live = self._live or {}
        tree: dict[str, FileEntry] = {}
        for key, inode in inodes.items():
            published = live.get(key)
            tree[key] = published if published is not None and published[0] == inode else (inode, UNKNOWN, UNKNOWN, None)
        self._tree = tree
        self._folders = dict(folders)
        self._touched = set()
        self._maybe_empty.update(empty)

    # -- putting files in the site -------------------------------------------------------

    def _published_file(self, key: str) -> FileEntry | None:
        """The published file at ``key`` (normalised): from the record, else by lstat."""
        if self._live is not None:
            return self._live.get(key)
        if self._out_root is None:
            return None
        try:
            info = os.lstat(self._out + "/" + key)
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns, None) if stat.S_ISREG(info.st_mode) else None

    def _intact(self, key: str, entry: FileEntry) -> bool:
        """True when the staged file at ``key`` is the recorded inode, unmodified."""
        try:
            info = os.lstat(self._root + "/" + key)
        except OSError:
            return False
        return info.st_ino == entry[0] and info.st_size == entry[1] and info.st_mtime_ns == entry[2]

    def _in_worker(self) -> bool:
        return os.getpid() != self._owner

    def _record(self, key: str, entry: FileEntry) -> None:
        self._tree[key] = entry
        self._touched.add(_parent(key))
        if self._journal is not None and self._in_worker():
            self._journal.append(["f", key, entry[0], entry[1], entry[2], entry[3].hex() if entry[3] else None])

    def _count_kept(self, key: str) -> bool:
        self.paths.add(key)
        self.files_unchanged += 1
        return True

    def _carry_over(self, site_path: str, published: FileEntry | None, *, verify: bool, content_hash: bytes | None = None) -> bool:
        """Make the staged tree hold the published file ``site_path``; False when it cannot.

        ``published`` is the published file's entry (looked up when None). ``verify`` checks
        by lstat that the inode is unmodified (skipped for content-addressed files, whose
        name promises their content)."""
        if published is None:
            site_path = self._target(site_path)[1]
            published = self._published_file(site_path)
            if published is None:
                return False
        held = self._tree.get(site_path)
        if held is not None and held[0] == published[0]:
            if not verify or self._intact(site_path, published):
                if content_hash is not None and published[3] is None and not self._in_worker():
                    self._tree[site_path] = published[:3] + (content_hash,)  # learnt: next time no read
                elif held is not published and not self._in_worker():
                    self._tree[site_path] = published
                return self._count_kept(site_path)
        target, key = self._target(site_path)
        if key != site_path:
            published = self._published_file(key)
            if published is None:
                return False
        source = self._out + "/" + key
        try:
            info = os.lstat(source)
        except OSError:
            return False
        if (info.st_ino, info.st_size, info.st_mtime_ns) != published[:3] or not stat.S_ISREG(info.st_mode):
            return False  # the published file is not what was recorded: not carried over
        entry = published if content_hash is None or published[3] is not None else published[:3] + (content_hash,)
        self._make_room(target, key)
        try:
            os.link(source, target)
        except FileExistsError:
            self._clear(target, key)
            os.link(source, target)
        except OSError:  # a file system without hard links: a copy keeps bytes and mtime
            shutil.copy2(source, target)
            copied = os.lstat(target)
            entry = (copied.st_ino, copied.st_size, copied.st_mtime_ns, entry[3])
        self._record(key, entry)
        return self._count_kept(key)

    def _same_bytes(self, site_path: str, published: FileEntry, data: bytes, content_hash: bytes) -> bool:
        """True when ``data`` is the content of the published file (by its recorded hash, or,
        when none was recorded, by reading the recorded inode itself)."""
        if published[3] is not None:
            return published[3] == content_hash
        key = self._target(site_path)[1]
        held = self._tree.get(key)
        path = (self._root if held is not None and held[0] == published[0] else self._out) + "/" + key
        try:
            with open(path, "rb") as fh:
                info = os.fstat(fh.fileno())
                if (info.st_ino, info.st_size, info.st_mtime_ns) != published[:3]:
                    return False
                return fh.read(len(data) + 1) == data
        except OSError:
            return False

    def write(self, site_path: str, data: bytes, *, content_addressed: bool = False) -> bool:
        """Put one file in the site; True when it differs from the published one.

        A file identical to the one already published is carried over instead of rewritten,
        so its mtime stays and ``rsync``/``s3 sync`` upload only what changed. With
        ``content_addressed`` the path itself names the content (it holds a hash of it, as
        the search index files do, which browsers cache forever on that promise): a
        published file of the same path and size is taken as identical without reading it.
        Otherwise a hash of ``data`` is compared with the one recorded for the published file.
        """
        live = self._live
        if content_addressed and live is not None:  # the common case, kept short: 52,000 at 10k
            published = live.get(site_path)
            held = self._tree.get(site_path)
            if published is not None and held is not None and held[0] == published[0] and published[1] == len(data):
                if held is not published and not self._in_worker():
                    self._tree[site_path] = published
                self.paths.add(site_path)
                self.files_unchanged += 1
                return False
        content_hash = None if content_addressed else _content_hash(data)
        target, key = self._target(site_path)
        published = live.get(site_path) if live is not None else None
        if published is None:
            published = self._published_file(key)
        if (
            published is not None
            and published[1] == len(data)
            and (content_hash is None or self._same_bytes(site_path, published, data, content_hash))
            and self._carry_over(site_path, published, verify=not content_addressed, content_hash=content_hash)
        ):
            return False
        if not self._held_already(key, published, data, content_hash):
            self._put(target, key, data, content_hash)
            return True
        self.files_written += 1
        self.bytes_written += len(data)
        return True

    def _held_already(self, key: str, published: FileEntry | None, data: bytes, content_hash: bytes | None) -> bool:
        """True when the staged tree's own file at ``key`` (not the published one) has
        ``data`` already (an edit undone: the spare is the generation before): it stays.

        Content-addressed files (``content_hash`` None) by name and size; others by the hash
        recorded when the file was written, and an ``lstat`` (unmodified since)."""
        held = self._tree.get(key)
        if held is None or held[1] != len(data) or (published is not None and published[0] == held[0]):
            return False
        if content_hash is not None and (held[3] != content_hash or not self._intact(key, held)):
            return False
        self.paths.add(key)
        return True

    def write_files(
        self,
        files: Mapping[str, bytes],
        *,
        content_addressed: Callable[[str], bool] | None = None,
        advance: Callable[[int], None] | None = None,
    ) -> int:
        """:meth:`write` each of ``files`` (site path → bytes; ``content_addressed(path)``
        says which are); returns how many differ from the published ones. ``advance(n)``
        counts progress now and then.

        The same as calling :meth:`write` for each, with the common case of a search index
        kept short: at 10,000 articles, 53,000 files of which all but ~2,000 are carried over
        with no system call."""
        learn = not self._in_worker()
        self._batch = files if learn and self._retired is not None and self._retired.usable else None
        try:
            written, kept = self._write_batch(files, content_addressed, advance, learn)
        finally:
            self._batch = self._stale = None
        self.files_unchanged += kept
        if advance is not None:
            advance(len(files) % _CHUNK)
        return written

    def _write_batch(
        self,
        files: Mapping[str, bytes],
        content_addressed: Callable[[str], bool] | None,
        advance: Callable[[int], None] | None,
        learn: bool,
    ) -> tuple[int, int]:
        live_get = self._live.get if self._live is not None else {}.get
        tree, tree_get = self._tree, self._tree.get
        addressed = content_addressed or (lambda site_path: False)
        written = 0
        kept: list[str] = []
        items = iter(files.items())
        while chunk := list(islice(items, _CHUNK)):
            for site_path, data in chunk:
                published = live_get(site_path)
                if published is not None and published[1] == len(data):
                    held = tree_get(site_path)
                    if held is not None and held[0] == published[0] and addressed(site_path):
                        if held is not published and learn:
                            tree[site_path] = published
                        kept.append(site_path)
                        continue
                written += self.write(site_path, data, content_addressed=addressed(site_path))
            if advance is not None and len(chunk) == _CHUNK:
                advance(_CHUNK)
        self.paths.update(kept)
        return written, len(kept)

    def keep(self, site_path: str) -> bool:
        """Carry a published file over as it is; False when there is none to keep (or it is
        not the file that was published: someone changed it)."""
        published = self._live.get(site_path) if self._live is not None else None
        return self._carry_over(site_path, published, verify=True)

    def _put(self, target: str, key: str, data: bytes, content_hash: bytes | None) -> None:
        """Write ``data`` as a new file: never into an inode the published site shares.

        The staged tree's own old version at that path, or else a retired file, is rewritten
        when no one has it open (:mod:`helpgen.publish_retired`); otherwise a new inode.
        ``target``, ``key``: the staging path and site path (:meth:`_target`)."""
        fd = self._reusable(target, key, len(data))
        reused = fd is not None
        if fd is None:
            self._make_room(target, key)
            fd = self._take_stale(target, key, len(data)) if self._batch is not None else None
            if fd is None:
                fd = self._take_retired(target, key, len(data))
            reused = fd is not None
        if fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            try:
                fd = os.open(target, flags, 0o666)
            except FileExistsError:
                self._clear(target, key)
                fd = os.open(target, flags, 0o666)
        try:
            if reused:
                _overwrite(fd, data)
            else:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            info = os.fstat(fd)
        finally:
            os.close(fd)
        self._record(key, (info.st_ino, info.st_size, info.st_mtime_ns, content_hash))
        self.paths.add(key)
        self.files_written += 1
        self.bytes_written += len(data)

    def _reusable(self, target: str, key: str, size: int) -> int | None:
        """The staged tree's own old version of ``key``, open for rewriting, when it may be."""
        retired = self._retired
        held = self._tree.get(key)
        if retired is None or held is None or held[1] < 0:
            return None
        published = self._live.get(key) if self._live is not None else None
        if published is not None and published[0] == held[0]:
            return None  # the published file itself: never rewritten
        return retired.open_reusable(target, held[0], size)

    def _stale_files(self, batch: Mapping[str, bytes]) -> dict[str, dict[int, list[str]]]:
        """The staged tree's own files (the published site does not share them) that nothing
        written so far claims nor ``batch`` will: bound to be dropped at :meth:`publish`,
        they are renamed to the batch's new files instead (one rename in the same folder
        rather than two through the retired files). By folder, then by blocks held."""
        live, tree, blocks = self._live or {}, self._tree, self._retired.blocks  # type: ignore[union-attr]
        stale: dict[str, dict[int, list[str]]] = {}
        for key in tree.keys() - batch.keys() - self.paths:
            held = tree[key]
            published = live.get(key)
            if held[1] >= 0 and (published is None or published[0] != held[0]):
                stale.setdefault(_parent(key), {}).setdefault(blocks(held[1]), []).append(key)
        return stale

    def _take_stale(self, target: str, key: str, size: int) -> int | None:
        """A stale file of the folder of ``key`` (see :meth:`_stale_files`) renamed to
        ``target``, open for rewriting; None when none fits."""
        assert self._batch is not None and self._retired is not None
        if self._stale is None:  # found when first needed: most batches write nothing
            self._stale = self._stale_files(self._batch)
        by_blocks = self._stale.get(_parent(key))
        for _ in range(2):
            candidates = best_fit(by_blocks, self._retired.blocks(size)) if by_blocks else None
            if not candidates:
                return None
            old = candidates.pop()
            held = self._tree.get(old)
            if held is None or old in self.paths:
                continue
            source = self._root + "/" + old
            fd = self._retired.open_reusable(source, held[0], size)
            if fd is None:
                continue
            try:
                os.rename(source, target)
            except OSError:
                os.close(fd)
                continue
            del self._tree[old]
            return fd
        return None

    def _take_retired(self, target: str, key: str, size: int) -> int | None:
        """A retired file renamed to ``target`` (free: see :meth:`_make_room`), open for
        rewriting; None when none fits. Only this process takes retired files."""
        retired = self._retired
        if retired is None or self._in_worker():
            return None

        def place(path: str) -> None:
            try:
                os.rename(path, target)
            except IsADirectoryError:  # a folder nobody recorded is in the way
                self._clear(target, key)
                os.rename(path, target)

        try:
            return retired.take(size, place)
        except OSError as error:  # e.g. two mounts of one file system: a new file instead
            if error.errno == errno.EXDEV:
                retired.usable = False
            return None

    def _make_room(self, target: str, key: str) -> None:
        """The folder of ``key`` exists and nothing the tree is known to hold is at ``key``."""
        self._ensure_folder(_parent(key))
        if key in self._tree or key in self._folders:
            self._clear(target, key)

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._folders:
            return
        self._ensure_folder(_parent(folder))
        path = self._root + "/" + folder
        try:
            os.mkdir(path)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):  # a file where a folder must go
                self._clear(path, folder)
                os.mkdir(path)
        self._folders[folder] = None
        self._touched.update((folder, _parent(folder)))
        if self._journal is not None and self._in_worker():
            self._journal.append(["d", folder])

    def _clear(self, target: str, key: str) -> None:
        """Remove whatever the staged tree has at ``key`` (a file, or a folder in the way)."""
        try:
            is_folder = stat.S_ISDIR(os.lstat(target).st_mode)
        except FileNotFoundError:
            is_folder = None
        if is_folder:
            if self._trash is not None:
                os.rename(target, self._trash_name())
            else:
                shutil.rmtree(target)
            self._forget(key)
        elif is_folder is not None:
            self._dispose(target, key)
        self._tree.pop(key, None)
        self._touched.add(_parent(key))
        if self._journal is not None and self._in_worker():
            self._journal.append(["x", key])

    def _dispose(self, target: str, key: str) -> None:
        """Take the file at ``key`` out of the staged tree. A link to a published inode is
        unlinked (cheap); the last link to an inode is kept as a retired file for a later
        write to reuse (:mod:`helpgen.publish_retired`), or moved to the trash, because
        unlinking it frees its blocks and its inode (about 1 ms each on ext4, and every new
        file made in the next minutes pays for each inode freed) and that is left to a
        background ``rm`` after the switch."""
        published = self._live.get(key) if self._live is not None else None
        held = self._tree.get(key)
        if self._trash is None or (published is not None and held is not None and held[0] == published[0]):
            os.unlink(target)
        elif self._retired is not None and held is not None and held[1] >= 0 and self._retired.usable:
            try:
                self._retired.retire(target, held[1])  # kept for reuse (helpgen.publish_retired)
            except OSError:  # its folder went away: the trash, as for anything else
                os.rename(target, self._trash_name())
        else:
            os.rename(target, self._trash_name())

    def _trash_name(self) -> str:
        assert self._trash is not None
        self._trashed += 1
        return f"{self._trash}/{os.getpid()}-{self._trashed}"

    def _trim_retired(self) -> None:
        """Keep at most :data:`~helpgen.publish_retired.KEEP_FILES` retired files: the rest
        join the trash (deleted after the switch, like it)."""
        if self._retired is None or self._trash is None:
            return
        try:
            moved = self._retired.trim(lambda path: os.rename(path, self._trash_name()))
        except OSError as error:
            log.info("cannot trim the retired files (%s)", error.strerror)
            return
        if self._retired.reused or moved:
            log.debug("%d retired files reused, %d deleted", self._retired.reused, moved)

    def _empty_trash(self) -> None:
        """Delete the trash: in the background when it is big (see :meth:`_dispose`)."""
        if self._trash is None:
            return
        trash, self._trash = Path(self._trash), None
        with os.scandir(trash) as entries:
            big = sum(1 for _ in zip(entries, range(_SMALL_TRASH + 1))) > _SMALL_TRASH
        self._remove_tree(trash, background=big)

    def _forget(self, key: str) -> None:
        """Drop the records of everything at or under ``key``."""
        for file in _under(key, list(self._tree)):
            del self._tree[file]
        for folder in _under(key, list(self._folders)):
            del self._folders[folder]
            self._touched.discard(folder)

    def copy_tree(self, source: Path, prefix: str = "") -> list[str]:
        """Copy a folder of static files into the site (sorted; links are not followed).

        Returns the site paths skipped because a generated file already has them.
        """
        skipped = []
        for file in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
            site_path = prefix + file.relative_to(source).as_posix()
            if site_path in self.paths:
                skipped.append(site_path)
                continue
            self.write(site_path, file.read_bytes())
        return skipped

    # -- publishing ----------------------------------------------------------------------

    def _merge_journals(self) -> None:
        """Take in what forked workers changed in the staged tree (their journals)."""
        if self._journal is None:
            return
        candidates: dict[str, list[FileEntry]] = {}
        for line in self._journal.lines():
            kind, key = line[0], line[1]
            if kind == "f":
                candidates.setdefault(key, []).append(
                    (line[2], line[3], line[4], bytes.fromhex(line[5]) if line[5] else None)
                )
            elif kind == "d":
                self._folders.setdefault(key, None)
                self._touched.update((key, _parent(key)))
            elif not os.path.lexists(self._root + "/" + key):  # "x": removed (and not put back)
                self._forget(key)
                self._touched.add(_parent(key))
        for key, entries in candidates.items():
            self._touched.add(_parent(key))
            try:
                info = os.lstat(self._root + "/" + key)
            except FileNotFoundError:
                self._tree.pop(key, None)
                continue
            found = (info.st_ino, info.st_size, info.st_mtime_ns)
            match = [e for e in entries if e[:3] == found]
            self._tree[key] = match[-1] if match else found + (None,)
        self._journal.clear()

    def _drop_unneeded(self) -> None:
        """Unlink the staged files the new site does not have; remove folders left empty."""
        for key in self._tree.keys() - self.paths:
            target, _ = self._target(key)
            try:
                self._dispose(target, key)
            except FileNotFoundError:
                pass
            del self._tree[key]
            self._maybe_empty.add(_parent(key))
            self._touched.add(_parent(key))
        pending = sorted(self._maybe_empty, key=lambda f: f.count("/"), reverse=True)
        while pending:
            folder = pending.pop(0)
            if not folder or folder not in self._folders:
                continue
            try:
                os.rmdir(self._root + "/" + folder)
            except OSError:
                continue  # not empty: still needed
            del self._folders[folder]
            self._touched.discard(folder)
            parent = _parent(folder)
            self._touched.add(parent)
            if parent:
                pending.insert(0, parent)
        self._maybe_empty.clear()

    def _complete_records(self) -> None:
        """Fill in what the parent does not know (files of unknown size, changed folders)."""
        missing = self.paths - self._tree.keys() if len(self._tree) != len(self.paths) else set()
        unknown = [k for k, e in self._tree.items() if e[1] == UNKNOWN]
        for key in [*missing, *unknown]:
            try:
                info = os.lstat(self._root + "/" + key)
            except OSError:
                raise PublishError(f"{self.root / key}: staged file went missing before publishing") from None
            self._tree[key] = (info.st_ino, info.st_size, info.st_mtime_ns, None)
        for folder in self._touched:
            if folder in self._folders:
                try:
                    self._folders[folder] = _folder_entry(self._root + "/" + folder if folder else self._root)
                except FileNotFoundError:
                    del self._folders[folder]
        self._touched = set()

    def _count_removed(self) -> int:
        if self._out_root is None:
            return 0
        if self._live is not None:
            return len(self._live.keys() - self.paths)
        removed = 0
        prefix_length = len(self._out) + 1
        for folder, _, files in os.walk(self._out):
            relative = folder[prefix_length:].replace(os.sep, "/")
            base = relative + "/" if relative else ""
            for name in files:
                if base + name not in self.paths:
                    removed += 1
        return removed

    def publish(self) -> None:
        """Switch the staged site into ``out_dir`` in one step; keep or remove the old one."""
        self.write(MARKER_FILE, _MARKER_TEXT)
        try:
            self._merge_journals()
        except ValueError as error:
            raise PublishError(f"the render workers' journal is damaged: {error}") from None
        self._drop_unneeded()
        self._complete_records()
        self.files_removed = self._count_removed()
        out = self.out_dir
        clone = None
        if self._out_root is None and self._spare_path is not None:
            clone = self._clone_as_spare()
        if self._out_root is None:
            try:
                os.rename(self.root, out)
            except OSError as error:
                if clone is not None:
                    shutil.rmtree(clone[0], ignore_errors=True)
                raise PublishError(f"cannot move the new site into {out}: {error.strerror}") from None
            old = None
        else:
            if not (out / MARKER_FILE).is_file() or _folder_entry(self._out) != self._out_root:
                raise PublishError(f"{out}: changed while the site was being built; not replaced")
            old = self.root  # after the switch, the staging name holds the previous site
            if not _exchange(self.root, out):
                aside = out.parent / f".{out.name}.old-{os.getpid()}-{self.root.name.rsplit('-', 1)[-1]}"
                os.rename(out, aside)
                os.rename(self.root, out)
                old = aside
        self._published = True
        log.debug("published %s", out)
        self._trim_retired()
        self._empty_trash()
        if self._spare_path is None or self._state_dir is None:
            if old is not None:
                self._remove_tree(old, background=self.files_written + self.files_unchanged >= BACKGROUND_REMOVAL_FILES)
            return
        spare_record: TreeRecord | None = None
        if clone is not None:
            spare_record = TreeRecord(root=clone[1][""], files=self._tree, folders=clone[1])
        elif old is not None:
            try:
                os.rename(old, self._spare_path)
                if self._live is not None:
                    self._live_folders[""] = _folder_entry(str(self._spare_path))
                    spare_record = TreeRecord(
                        root=self._live_folders[""], files=self._live, folders=self._live_folders
                    )
            except OSError as error:
                log.warning("cannot keep the previous site as the spare (%s); removing it", error.strerror)
                self._remove_tree(old, background=True)
        self._folders[""] = _folder_entry(self._out)
        live = TreeRecord(root=self._folders[""], files=self._tree, folders=self._folders)  # type: ignore[arg-type]
        PublishState(out_dir=self._out, live=live, spare=spare_record).save(self._state_dir / _STATE_FILE)

    def published_file(self, site_path: str) -> FileEntry | None:
        """After :meth:`publish`: the published file at ``site_path`` as recorded when it was
        put in place, ``(inode, size, mtime_ns, hash or None)``; None when the site has none."""
        if not self._published:
            raise PublishError(f"{self.out_dir}: not published yet")
        entry = self._tree.get(site_path)
        return entry if entry is not None and entry[1] != UNKNOWN else None

    def _clone_as_spare(self) -> tuple[Path, dict[str, FolderEntry]] | None:
        """First publish (no previous site to keep as the spare): hard-link the new site
        into the spare, so that the next build already updates a tree instead of making one.
        The marker goes in last, so an interrupted clone is never taken for a site."""
        spare = self._spare_path
        assert spare is not None
        if os.path.lexists(spare):
            self._remove_tree(spare, background=True)
        base = str(spare)
        try:
            os.mkdir(base, 0o755)
            for folder in sorted(self._folders):
                if folder:
                    os.mkdir(base + "/" + folder)
            for key in self._tree:
                if key != MARKER_FILE:
                    os.link(self._root + "/" + key, base + "/" + key)
            os.link(self._root + "/" + MARKER_FILE, base + "/" + MARKER_FILE)
            folders = {f: _folder_entry(base + "/" + f if f else base) for f in self._folders}
        except OSError as error:
            log.info("no spare site kept (%s); the next build makes a new tree", error.strerror)
            shutil.rmtree(spare, ignore_errors=True)
            return None
        except BaseException:
            shutil.rmtree(spare, ignore_errors=True)
            raise
        return spare, folders

    def _remove_tree(self, tree: Path, *, background: bool) -> None:
        """Delete a tree of ours. A big one (tens of thousands of files) is moved aside and
        deleted by a detached ``rm -rf`` so the build does not wait for it; if that process
        dies, the next build's leftover cleanup finishes the job (the folder is named after
        this process)."""
        if background and shutil.which("rm"):
            aside = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}-{os.urandom(4).hex()}"
            try:
                os.rename(tree, aside)
                subprocess.Popen(
                    ["rm", "-rf", "--", str(aside)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                return
            except OSError:
                tree = aside if aside.exists() else tree
        shutil.rmtree(tree, ignore_errors=True)

    def discard(self) -> None:
        """Put the staging tree away; ``out_dir`` is untouched. A claimed spare goes back
        (unrecorded, so the next build scans it); a new tree is removed."""
        if self._published:
            return
        if self._journal is not None:
            self._journal.clear()
        self._empty_trash()
        if self._claimed and self._spare_path is not None and not os.path.lexists(self._spare_path):
            try:
                os.rename(self.root, self._spare_path)
                return
            except OSError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "StagedSite":
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

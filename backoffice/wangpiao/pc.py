"""The taxpayer's simulated PC and its 网票 clients (FAQ 2, 3.3, 5.2, 5.3, 6.1). No session needed.

Faults are state, not chance: an uninstall leaves files until a reboot, a copy installed over them is
broken until uninstalled, a second copy or an old version congests the login (login step 1). Only
the FAQ 2 order cures them: uninstall → reboot → install the latest.

``upgrade_client`` turns the 地税 client into the 国税 one in the same folder and remembers it. The
地税版's setup.exe knows its own folder: installing the 地税版 there again (FAQ 5.1 step 4, after a
地税 user upgraded by mistake) puts the 地税 client back in place of the upgraded copy instead of
refusing with CLIENT_FOLDER_CONFLICT. Any other edition in a folder still conflicts (FAQ 5.2).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field
from sqlalchemy import delete

from ..catalogue import Args, Text, operation, text
from ..errors import OperationError, invalid
from ..seed import clients
from . import queries as q
from .models import PcInstall, PcLeftover, PcMachine

Edition = Literal["guoshui", "dishui", "dishui_void"]


class InstallArgs(Args):
    edition: Edition
    version: text(20) = "latest"
    folder: text(200) | None = None       # the edition's own default folder when omitted


class EditionArgs(Args):
    edition: Edition


class NoArgs(Args):
    pass


class UpgradeArgs(Args):
    from_: Literal["dishui"] = Field(alias="from")


def _machine(ctx) -> PcMachine:
    return q.machine_by_ref(ctx.session, ctx.world.id, ctx.actor.taxpayer_ref)


def _version(edition: str, wanted: str) -> str:
    versions = clients()[edition].versions
    if wanted == "latest":
        return versions[0]
    if wanted == "previous":
        return versions[1]
    if wanted not in versions:
        raise invalid("version", f"the {edition} client has versions {', '.join(versions)}",
                      f"该客户端的版本为 {', '.join(versions)}")
    return wanted


def _has_leftover(ctx, machine: PcMachine, edition: str) -> bool:
    return any(lo.edition == edition for lo in q.leftovers(ctx.session, ctx.world.id, machine.id))


def _state(ctx, machine: PcMachine) -> dict:
    return {"installed": [{"edition": c.edition, "version": c.version, "folder": c.folder, "broken": c.broken}
                          for c in q.installs(ctx.session, ctx.world.id, machine.id)],
            "leftovers": [lo.edition for lo in q.leftovers(ctx.session, ctx.world.id, machine.id)]}


@operation("install_client", zh="安装网票PC客户端", en="Install a 网票 PC client", args=InstallArgs, side="pc")
def install_client(ctx, args: InstallArgs) -> dict:
    """setup.exe (FAQ 2 steps 6–7): one edition per folder (FAQ 5.2); the edition a copy there was
    upgraded from takes its folder back (FAQ 5.1 step 4)."""
    machine = _machine(ctx)
    version = _version(args.edition, args.version)
    folder = args.folder or clients()[args.edition].folder
    taken_back = []
    for c in q.installs(ctx.session, ctx.world.id, machine.id):
        if c.folder == folder and c.edition != args.edition:
            if c.upgraded_from != args.edition:
                raise OperationError("CLIENT_FOLDER_CONFLICT", field="folder",
                                     reason=f"{folder} holds the {c.edition} client")
            taken_back.append(c)
    for c in taken_back:
        ctx.session.delete(c)
    # installed over an old copy's left-over files: broken until uninstalled (FAQ 3.3)
    broken = _has_leftover(ctx, machine, args.edition)
    if args.edition == "guoshui" and machine.ds_ca_cache:
        # a PC CA user who installs the 国税 client fresh instead of upgrading from 地税 (FAQ 6.1)
        machine.ca_cache_stuck = True
    ctx.session.add(PcInstall(world_id=ctx.world.id, machine_id=machine.id, edition=args.edition, version=version,
                              folder=folder, broken=broken, installed_at=ctx.now))
    ctx.session.flush()
    return {"edition": args.edition, "version": version, "folder": folder, "broken": broken,
            "replaced": [{"edition": c.edition, "version": c.version} for c in taken_back], **_state(ctx, machine)}


@operation("uninstall_client", zh="卸载网票PC客户端", en="Uninstall a 网票 PC client", args=EditionArgs, side="pc")
def uninstall_client(ctx, args: EditionArgs) -> dict:
    """控制面板 — 添加/删除程序 (FAQ 2 step 1): removes every copy, leaves files until a reboot."""
    machine = _machine(ctx)
    copies = q.installs(ctx.session, ctx.world.id, machine.id, args.edition)
    if not copies:
        raise OperationError("CLIENT_NOT_INSTALLED", field="edition", reason=f"no {args.edition} client installed")
    for c in copies:
        ctx.session.delete(c)
    if not _has_leftover(ctx, machine, args.edition):
        ctx.session.add(PcLeftover(world_id=ctx.world.id, machine_id=machine.id, edition=args.edition))
    ctx.session.flush()
    return {"removed": len(copies), **_state(ctx, machine)}


@operation("reboot", zh="重启电脑", en="Restart the computer", args=NoArgs, side="pc")
def reboot(ctx, args: NoArgs) -> dict:
    """FAQ 2 step 2: the restart clears what uninstalls left behind."""
    machine = _machine(ctx)
    cleared = ctx.session.execute(delete(PcLeftover).where(PcLeftover.world_id == ctx.world.id,
                                                           PcLeftover.machine_id == machine.id)).rowcount
    return {"leftovers_cleared": cleared, **_state(ctx, machine)}


@operation("upgrade_client", zh="升级网票PC客户端", en="Upgrade a 网票 PC client", args=UpgradeArgs, side="pc")
def upgrade_client(ctx, args: UpgradeArgs) -> dict:
    """Replace the 地税 client by the latest 国税 one in its folder, carrying the CA cache (FAQ 6.1)."""
    machine = _machine(ctx)
    old = q.installs(ctx.session, ctx.world.id, machine.id, args.from_)
    if not old:
        raise OperationError("CLIENT_NOT_INSTALLED", field="from", reason=f"no {args.from_} client installed")
    folder = old[0].folder
    for c in old:
        ctx.session.delete(c)
    version = clients()["guoshui"].versions[0]
    broken = _has_leftover(ctx, machine, "guoshui")
    machine.ds_ca_cache = False
    ctx.session.add(PcInstall(world_id=ctx.world.id, machine_id=machine.id, edition="guoshui", version=version,
                              folder=folder, broken=broken, installed_at=ctx.now, upgraded_from=args.from_))
    ctx.session.flush()
    return {"edition": "guoshui", "version": version, "folder": folder, **_state(ctx, machine)}

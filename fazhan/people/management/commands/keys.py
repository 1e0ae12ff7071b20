import getpass
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fazhan.core.keys import (
    KEY_NAMES,
    KeySheetError,
    key_file_path,
    read_key_file,
    sheet_open,
    sheet_seal,
    write_key_file,
)
from fazhan.people.keyring import keys_rotate

ROTATED = ("FAZHAN_ID_LOOKUP_KEY", "FAZHAN_ID_CIPHER_KEY")


def _passphrase(options, *, confirm: bool) -> str:
    """From --passphrase-file, else FAZHAN_KEY_PASSPHRASE, else asked twice at the terminal."""
    if options.get("passphrase_file"):
        try:
            return Path(options["passphrase_file"]).read_text(encoding="utf-8").strip("\r\n")
        except OSError as error:
            raise CommandError(f"读不到口令文件：{error}") from None
    if os.environ.get("FAZHAN_KEY_PASSPHRASE"):
        return os.environ["FAZHAN_KEY_PASSPHRASE"]
    first = getpass.getpass("恢复单口令：")
    if confirm and getpass.getpass("再输入一次：") != first:
        raise CommandError("两次输入的口令不一致。")
    return first


class Command(BaseCommand):
    help = (
        "The install's keys. fazhan keys rotate: re-encrypt the ID numbers (and what is sealed beside them) "
        "and take their digests again under new keys, written to the key file; fazhan keys export FILE: "
        "the keys encrypted with a passphrase, a recovery sheet for the safe; fazhan keys import FILE: "
        "the key file back from a recovery sheet."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rotate", help="新密钥重新加密身份证号并重算摘要")
        export = sub.add_parser("export", help="用口令加密导出密钥恢复单")
        export.add_argument("path")
        export.add_argument("--passphrase-file")
        load = sub.add_parser("import", help="由恢复单恢复密钥文件")
        load.add_argument("path")
        load.add_argument("--passphrase-file")
        load.add_argument("--force", action="store_true", help="覆盖已有的、不同的密钥文件")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _rotate(self, options):
        from_env = [n for n in ROTATED if os.environ.get(n)]
        if from_env:
            raise CommandError(
                f"{'、'.join(from_env)} 由环境变量设置：轮换只写密钥文件，请先去掉这些环境变量，或自行换钥。"
            )
        path = key_file_path()
        current = read_key_file(path)
        new = {"FAZHAN_ID_LOOKUP_KEY": secrets.token_hex(32), "FAZHAN_ID_CIPHER_KEY": secrets.token_hex(16)}
        keys = {**{n: str(getattr(settings, n, "") or "") for n in KEY_NAMES}, **current, **new}
        pending = path.with_name(path.name + ".new")
        # The new keys are on disk before the database changes: if the process dies after the commit,
        # <key file>.new holds the keys the database is now under.
        write_key_file(pending, keys)
        try:
            done = keys_rotate(
                new_lookup_key=new["FAZHAN_ID_LOOKUP_KEY"], new_cipher_key=new["FAZHAN_ID_CIPHER_KEY"]
            )
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        os.replace(pending, path)
        self.stdout.write(
            f"已轮换身份证号密钥：{done.persons} 名人员重新加密、重算摘要，"
            f"{done.step_records} 条步骤记录的摘要已更新。"
            f"新密钥已写入 {path}；请重新制作恢复单（fazhan keys export）。"
        )

    def _export(self, options):
        keys = {n: str(getattr(settings, n, "") or "") for n in KEY_NAMES}
        missing = [n for n in KEY_NAMES if not keys[n]]
        if missing:
            raise CommandError(f"缺少密钥：{'、'.join(missing)}。请先运行 fazhan migrate 生成密钥文件。")
        try:
            sheet = sheet_seal(keys, _passphrase(options, confirm=True))
        except KeySheetError as error:
            raise CommandError(str(error)) from None
        out = Path(options["path"])
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(
                "# Fazhan 密钥恢复单：以口令加密（scrypt + AES-256-GCM）。打印或另存，与口令分开保管。\n"
                "# 恢复：fazhan keys import <本文件>\n"
            )
            json.dump(sheet, handle, indent=2)
            handle.write("\n")
        self.stdout.write(f"已写出密钥恢复单：{out}")

    def _import(self, options):
        try:
            text = Path(options["path"]).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"读不到恢复单：{error}") from None
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        try:
            sheet = json.loads(body)
        except ValueError:
            raise CommandError("这不是 Fazhan 的密钥恢复单（内容无法解析）。") from None
        try:
            keys = sheet_open(sheet, _passphrase(options, confirm=False))
        except KeySheetError as error:
            raise CommandError(str(error)) from None
        path = key_file_path()
        present = read_key_file(path)
        if present and present != keys and not options["force"]:
            raise CommandError(f"{path} 已存在且与恢复单不同；确认要覆盖请加 --force。")
        write_key_file(path, keys)
        self.stdout.write(f"已由恢复单写回密钥文件：{path}（{len(keys)} 个密钥）")

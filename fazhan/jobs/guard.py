"""What `fazhan serve` and `fazhan worker` check before they start: an install that serves people must not run
on a missing, public or test key (core.keys names them). The settings themselves load without keys, so
`make run`, runserver and the tests go on working."""

from django.core.management.base import CommandError

from fazhan.core.keys import key_file_path, keys_missing_or_default


def refuse_without_keys(command: str) -> None:
    """Raise CommandError, in Chinese and English and naming every key, when any key is missing or default
    in both the environment and the key file."""
    bad = keys_missing_or_default()
    if not bad:
        return
    names = ", ".join(bad)
    path = key_file_path()
    raise CommandError(
        f"fazhan {command} 拒绝启动：以下密钥缺失或仍是公开的默认值/测试值：{names}。"
        f"请在环境变量或密钥文件 {path}（权限 0600）中设置它们；"
        f"首次安装可运行 fazhan migrate 生成随机密钥，并用 fazhan keys export 制作恢复单。\n"
        f"fazhan {command} refuses to start: these keys are missing or public/test defaults: {names}. "
        f"Set them in the environment or in the key file {path} (mode 0600)."
    )

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """张三丰 → zsf. Non-Chinese characters keep their first letter; used for search by initials."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(p[0] for p in parts if p).lower()

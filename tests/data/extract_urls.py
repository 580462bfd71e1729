"""Write the dossier's URLs to dossier-urls.txt: python tests/data/extract_urls.py path/to/facts.md"""

import re
import sys
from pathlib import Path

HEADER = """# Every URL of the kit's research dossier (research/facts.md), one per line, in order of first
# appearance. The URL rule (tests/test_data.py) accepts these and the documented additions in
# url-additions.toml. Regenerate from a new dossier with: python tests/data/extract_urls.py facts.md
"""


def dossier_urls(text: str) -> list[str]:
    urls: list[str] = []
    for match in re.finditer(r"https?://[^\s<>|`]+", text):
        url = match.group().rstrip(".,;")
        while url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1]
        if url not in urls:
            urls.append(url)
    return urls


if __name__ == "__main__":
    urls = dossier_urls(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = Path(__file__).with_name("dossier-urls.txt")
    out.write_text(HEADER + "\n".join(urls) + "\n", encoding="utf-8")
    print(f"{len(urls)} URLs -> {out}")

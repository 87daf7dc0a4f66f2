"""Small helpers shared by the actions for building chat replies."""

from typing import Dict, List, Optional

from knowledge import load


def source_line(*source_keys: str) -> str:
    """The citation line for the given source keys of knowledge/drugs.yml."""
    sources = load("drugs")["sources"]
    names = [sources[key] for key in dict.fromkeys(source_keys)]
    return "\n".join(f"Source: {name}" for name in names)


def button(title: str, payload: Optional[str] = None) -> Dict[str, str]:
    """A quick-reply button; the payload is plain text so it goes through NLU like typing."""
    return {"title": title, "payload": payload or title}


def menu_buttons() -> List[Dict[str, str]]:
    """The topic menu from knowledge/topics.yml."""
    return [button(item["title"], item["payload"]) for item in load("topics")["menu"]]

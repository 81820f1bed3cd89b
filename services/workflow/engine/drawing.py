"""An item's processes as drawings: the BPMN files that define its process and the processes
it calls, without the code.

Anyone who may see an item may see where its process stands, drawn on its diagrams; the
scripts, conditions, timer expressions and Spiff extensions in the same files are the
designers' code, not the item's, and are not needed to draw them: their text is emptied
(the elements stay, so conditional flows and timers keep their markers).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from services.workflow.engine.parser import read_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"b": BPMN}
CODE = tuple(f"{{{BPMN}}}{name}" for name in ("script", "conditionExpression", "timeDate", "timeDuration",
                                               "timeCycle"))
EXTENSIONS = f"{{{BPMN}}}extensionElements"


@dataclass(frozen=True)
class Drawing:
    process_id: str
    name: str
    bpmn: str


def drawings_of(documents: dict[str, str], process_id: str) -> list[Drawing]:
    """The drawing of ``process_id`` first, then those of the processes it calls (and they
    call), each once; empty if no file of ``documents`` defines ``process_id``."""
    files = {name: read_xml(xml.encode()) for name, xml in sorted(documents.items()) if name.endswith(".bpmn")}
    found: list[Drawing] = []
    wanted, seen = [process_id], set()
    while wanted:
        wanted_id = wanted.pop(0)
        if wanted_id in seen:
            continue
        seen.add(wanted_id)
        for root in files.values():
            process = root.xpath("//b:process[@id=$id]", namespaces=NS, id=wanted_id)
            if process:
                wanted += [str(v) for v in root.xpath("//b:callActivity/@calledElement", namespaces=NS)]
                found.append(Drawing(wanted_id, process[0].get("name") or wanted_id, _without_code(root)))
                break
    return found


def _without_code(root: etree._Element) -> str:
    root = etree.fromstring(etree.tostring(root))  # a copy: the caller's tree stays as it was
    for node in root.iter(*CODE):
        node.text = None
        for child in list(node):
            node.remove(child)
    for node in list(root.iter(EXTENSIONS)):
        node.getparent().remove(node)
    return etree.tostring(root, encoding="unicode")

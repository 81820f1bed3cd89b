"""How much one deployment may hold."""

from __future__ import annotations

from dataclasses import dataclass

from services.workflow.domain.refusals import DeploymentTooLarge


@dataclass(frozen=True)
class DeployLimits:
    file_bytes: int = 1_000_000
    total_bytes: int = 5_000_000
    files: int = 50

    def check(self, documents: dict[str, bytes]) -> None:
        """Raise ``DeploymentTooLarge`` for a file, a version or a count past its limit."""
        for name, xml in documents.items():
            if len(xml) > self.file_bytes:
                raise DeploymentTooLarge(f"{name} has {len(xml)} bytes; a file may have {self.file_bytes}")
        if (total := sum(map(len, documents.values()))) > self.total_bytes:
            raise DeploymentTooLarge(f"the files have {total} bytes together; a deployment may have "
                                     f"{self.total_bytes}")
        if len(documents) > self.files:
            raise DeploymentTooLarge(f"{len(documents)} files; a version may have {self.files}")

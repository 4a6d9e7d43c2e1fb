"""A local Infinite Campus OneRoster 1.1 endpoint for tests, benchmarks and the demo.

`generate(size, seed)` builds a deterministic district; `CampusSandbox(district)` serves it on
127.0.0.1 with Campus's auth, paging, gradebook receiving rules and switchable faults.
docs/architecture.md describes the contract.
"""

from campus_sandbox.district import District, generate
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox

__all__ = ["CampusSandbox", "District", "Faults", "SandboxOptions", "generate"]

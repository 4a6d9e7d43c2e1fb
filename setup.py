"""One distribution for both Campus Passback connectors, the shared OneRoster client and the sandbox.

What ships depends on who installs it. The connector images set CAMPUS_PASSBACK_CONNECTOR (the
Dockerfile does) to one connector's name, and get that connector and the shared client only: its
package, its spec and schema files, its one console script. Unset (a development install, `./dev.sh`),
everything is installed, with the Campus sandbox, the README's main job and the sample Otus
export that the tests, the benchmarks and the demo need.
"""

import os

from setuptools import find_packages, setup

VERSION = "0.2.0"
SHARED_PACKAGES = ["campus_oneroster"]
CONNECTORS = {
    "source-campus-oneroster": "source_campus_oneroster",
    "destination-campus-grades": "destination_campus_grades",
}
DEVELOPMENT_PACKAGES = ["campus_sandbox", "campus_demo", "otus_export", "campus_registry"]
PACKAGE_DATA = {
    "source_campus_oneroster": ["schemas/*.json", "schemas/shared/*.json", "schemas/v1p2/*.json"],
    "destination_campus_grades": ["schemas/*.json", "metadata.yaml"],
}
DEVELOPMENT_SCRIPTS = ["campus-sandbox=campus_sandbox.__main__:main", "campus-registry=campus_registry.__main__:main"]

connector = os.environ.get("CAMPUS_PASSBACK_CONNECTOR", "").strip()
if connector and connector not in CONNECTORS:
    raise SystemExit(f"CAMPUS_PASSBACK_CONNECTOR must be one of {', '.join(CONNECTORS)} (or unset for everything), got {connector!r}")
shipped = [connector] if connector else list(CONNECTORS)
packages = SHARED_PACKAGES + [CONNECTORS[name] for name in shipped] + ([] if connector else DEVELOPMENT_PACKAGES)

setup(
    name="campus-passback",
    version=VERSION,
    description="Airbyte connectors between Infinite Campus (OneRoster 1.1) and Otus: roster source and gradebook passback destination",
    python_requires=">=3.10,<3.15",
    packages=find_packages(include=[pattern for package in packages for pattern in (package, f"{package}.*")]),
    install_requires=[
        "airbyte-cdk>=7.39,<8",
        "requests>=2.31",
        "urllib3>=2.1",  # parse_url (the parser requests connects with) and HTTPResponse.read1
        "backoff>=2.2",  # the retry schedule's waits (campus_oneroster/retry.py)
        "requests-oauthlib>=2.0",
        "oauthlib>=3.2",
        "pydantic>=2.13,<3",
        "jsonschema>=4.17,<5",
        "orjson>=3.9",
        "tzdata>=2024.1",  # zoneinfo's IANA database where the image has no /usr/share/zoneinfo
        # The protocol's own dataclasses (the CDK's models lack DESTINATION_CATALOG) and their serialiser.
        "airbyte-protocol-models-dataclasses>=0.17.1,<0.18",
        "serpyco-rs>=1.10",
    ],
    extras_require={
        "dev": [
            "pytest>=8", "pytest-xdist>=3.5", "pyyaml>=6", "requests-mock>=1.11", "psutil>=5.9", "hypothesis>=6.100", "airbyte-protocol-models-pdv2>=0.18,<1",
            # The Otus export in an S3-compatible store over TLS on loopback (otus_export/object_store.py):
            # moto's S3 server, boto3 to fill the bucket, cryptography for the test's own CA.
            "moto[server]>=5.1,<6", "boto3>=1.34", "cryptography>=42",
        ],
        "demo": ["airbyte==0.71.3"],
    },
    package_data={package: files for package, files in PACKAGE_DATA.items() if package in packages},
    entry_points={
        "console_scripts": [f"{name}={CONNECTORS[name]}.run:run" for name in shipped] + ([] if connector else DEVELOPMENT_SCRIPTS),
    },
)

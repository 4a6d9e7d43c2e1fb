"""One distribution for both Campus Passback connectors, the shared OneRoster client and the sandbox."""

from setuptools import find_packages, setup

VERSION = "0.1.0"

setup(
    name="campus-passback",
    version=VERSION,
    description="Airbyte connectors between Infinite Campus (OneRoster 1.1) and Otus: roster source and gradebook passback destination",
    python_requires=">=3.10,<3.15",
    packages=find_packages(include=["campus_oneroster*", "campus_sandbox*", "source_campus_oneroster*", "destination_campus_grades*", "campus_demo*", "otus_export*"]),
    install_requires=[
        "airbyte-cdk>=7.39,<8",
        "requests>=2.31",
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
        "dev": ["pytest>=8", "requests-mock>=1.11", "psutil>=5.9", "hypothesis>=6.100", "airbyte-protocol-models-pdv2>=0.18,<1"],
        "demo": ["airbyte==0.71.3"],
    },
    package_data={
        "source_campus_oneroster": ["schemas/*.json", "schemas/shared/*.json"],
        "destination_campus_grades": ["schemas/*.json", "metadata.yaml"],
    },
    entry_points={
        "console_scripts": [
            "source-campus-oneroster=source_campus_oneroster.run:run",
            "destination-campus-grades=destination_campus_grades.run:run",
            "campus-sandbox=campus_sandbox.__main__:main",
        ],
    },
)

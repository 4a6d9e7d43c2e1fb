# One image recipe for both Campus Passback connectors. The connector is chosen at build time:
#   docker build --build-arg CONNECTOR_NAME=source-campus-oneroster    -t airbyte/source-campus-oneroster:0.2.0 .
#   docker build --build-arg CONNECTOR_NAME=destination-campus-grades  -t airbyte/destination-campus-grades:0.2.0 .
# The base image is Airbyte's python connector base, pinned by digest so a rebuild is the same
# image (it must match connectorBuildOptions.baseImage in both metadata.yaml files).
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73

# Stage 1: a wheel of the chosen connector and the shared OneRoster client only. setup.py leaves
# out the other connector, the Campus sandbox, the demo and the sample Otus export when
# CAMPUS_PASSBACK_CONNECTOR names a connector (unit_tests/test_packaging.py builds the same wheels).
FROM ${BASE_IMAGE} AS build
ARG CONNECTOR_NAME=source-campus-oneroster
WORKDIR /build
# Refuse a typo early instead of producing an image whose entrypoint does not exist.
RUN case "${CONNECTOR_NAME}" in \
      source-campus-oneroster|destination-campus-grades) ;; \
      *) echo "CONNECTOR_NAME must be source-campus-oneroster or destination-campus-grades, got '${CONNECTOR_NAME}'" >&2; exit 1 ;; \
    esac
COPY . ./
RUN CAMPUS_PASSBACK_CONNECTOR="${CONNECTOR_NAME}" pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Stage 2: the image. Only the wheel comes over from the build stage: no source tree, no tests.
FROM ${BASE_IMAGE}
ARG CONNECTOR_NAME=source-campus-oneroster
ARG CONNECTOR_VERSION=0.2.0

USER root
WORKDIR /airbyte/integration_code

COPY --from=build /wheels /wheels
# The connector alone, without the dev and demo extras (PyAirbyte, DuckDB, pytest): lean images.
RUN pip install --no-cache-dir /wheels/*.whl \
 && rm -rf /wheels \
 && printf '#!/bin/sh\nexec %s "$@"\n' "${CONNECTOR_NAME}" > /airbyte/entrypoint.sh \
 && chmod 0755 /airbyte/entrypoint.sh \
 && /airbyte/entrypoint.sh spec > /dev/null

# The platform reads AIRBYTE_ENTRYPOINT to start the connector; ENTRYPOINT does the same for
# `docker run`. Exec form cannot expand a build ARG, hence the one-line script written above,
# which runs the console script named by CONNECTOR_NAME (as Airbyte's own template does).
ENV CONNECTOR_NAME=${CONNECTOR_NAME}
ENV AIRBYTE_ENTRYPOINT="/airbyte/entrypoint.sh"
ENTRYPOINT ["/airbyte/entrypoint.sh"]

USER airbyte

LABEL io.airbyte.name=airbyte/${CONNECTOR_NAME}
LABEL io.airbyte.version=${CONNECTOR_VERSION}

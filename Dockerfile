# dsk in one image: dskd-scheduler, dskd-worker, dsk-submit and dsk-keygen,
# built from this tree on Debian 12 (docs/deploy.md, "Containers").
# Checked without a Docker engine by tests/check_image.sh (make check-image).
FROM debian:12
WORKDIR /src/dsk
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && make deps-build && make -j"$(nproc)" install PREFIX=/usr \
    && rm -rf /var/lib/apt/lists/* build
EXPOSE 8786 8787

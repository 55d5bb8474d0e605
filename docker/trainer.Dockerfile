# Off-board GPU trainer image: ROS 2 Jazzy + CUDA torch + the PACT-ROS workspace.
# Build from the repository root:  docker build -f docker/trainer.Dockerfile -t pact-ros:trainer .
# Run with the NVIDIA container toolkit:  docker run --gpus all --net host pact-ros:trainer ...
FROM ros:jazzy

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git python3-venv python3-pip \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/pact_ros
COPY requirements.lock Makefile ./
COPY scripts ./scripts
COPY config ./config
COPY launch ./launch
COPY ros2_ws/src ./ros2_ws/src

# torch==2.13.0 from PyPI is the CUDA build; the NVIDIA driver comes from the host at run time.
RUN rosdep update --rosdistro jazzy \
 && apt-get update \
 && rosdep install --from-paths ros2_ws/src --ignore-src -y -r --rosdistro jazzy \
 && rm -rf /var/lib/apt/lists/* \
 && make setup

# Fast DDS profile for large messages (selected by FASTRTPS_DEFAULT_PROFILES_FILE, see compose.yaml)
COPY docker/fastdds_large_messages.xml ./docker/
COPY docker/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["bash"]

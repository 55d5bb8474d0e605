# Robot-side image: ROS 2 Jazzy + the PACT-ROS workspace (policy, constraint and sim nodes).
# Build from the repository root:  docker build -f docker/robot.Dockerfile -t pact-ros:robot .
FROM ros:jazzy

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake git python3-venv python3-pip \
      libegl1 libgl1 libosmesa6 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/pact_ros
COPY requirements.lock Makefile ./
COPY scripts ./scripts
COPY config ./config
COPY launch ./launch
COPY rviz ./rviz
COPY ros2_ws/src ./ros2_ws/src

# System dependencies declared in package.xml (keys rosdep cannot resolve are pip-installed by
# `make setup` from requirements.lock), then the venv + colcon build against /opt/ros/jazzy.
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

# Copyright 2026 The PACT-ROS Authors
# SPDX-License-Identifier: Apache-2.0
"""Turn ``core.marker_plan`` specs into a ``visualization_msgs/MarkerArray`` (node layer)."""

from builtin_interfaces.msg import Duration
from geometry_msgs.msg import Point
from pact_constraints.core.marker_plan import MarkerSpec
from visualization_msgs.msg import Marker, MarkerArray

_KINDS = {'line': Marker.LINE_LIST, 'sphere': Marker.SPHERE, 'cube': Marker.CUBE,
          'cylinder': Marker.CYLINDER, 'mesh': Marker.MESH_RESOURCE,
          'text': Marker.TEXT_VIEW_FACING}


def _point(vector) -> Point:
    return Point(x=float(vector[0]), y=float(vector[1]), z=float(vector[2]))


def spec_to_marker(spec: MarkerSpec, header) -> Marker:
    """Return an ADD marker for one spec, in ``header``'s frame, living 1 s unless refreshed."""
    marker = Marker(header=header, ns=spec.namespace, id=int(spec.marker_id),
                    type=_KINDS[spec.kind], action=Marker.ADD)
    (marker.pose.orientation.x, marker.pose.orientation.y, marker.pose.orientation.z,
     marker.pose.orientation.w) = (float(v) for v in spec.orientation_xyzw)
    marker.mesh_resource = spec.mesh_uri
    if spec.position is not None:
        marker.pose.position = _point(spec.position)
    marker.points = [_point(p) for p in spec.points]
    marker.scale.x, marker.scale.y, marker.scale.z = (float(v) for v in spec.scale)
    marker.color.r, marker.color.g, marker.color.b, marker.color.a = (
        float(v) for v in spec.colour)
    marker.text = spec.text
    marker.lifetime = Duration(sec=1)
    return marker


def marker_array(specs, deletions, header) -> MarkerArray:
    """Return markers for ``specs`` plus explicit DELETEs for (namespace, id) ``deletions``."""
    array = MarkerArray()
    for namespace, marker_id in deletions:
        array.markers.append(Marker(header=header, ns=namespace, id=int(marker_id),
                                    action=Marker.DELETE))
    array.markers += [spec_to_marker(spec, header) for spec in specs]
    return array

"""Cross-check of Kindling's event files against torch.utils.tensorboard (tests/tensorboard.test.ts).

The tensorboard package is not installed here (not packaged for Debian), so its generated proto
modules are rebuilt from descriptors (field numbers and types as in tensorboard's summary.proto,
tensor.proto, tensor_shape.proto, event.proto and plugins/hparams/*.proto) and handed to torch's
own summary.py. Then:
  - every event file under LOGDIR is split into records (both masked CRC-32C checked here) and
    parsed by Google's protobuf runtime into Event messages;
  - torch's summary functions (scalar, histogram with SummaryWriter's default bins, text, hparams)
    build the Summary messages torch would write for the inputs in SPEC.
Prints JSON {"files": {relpath: [Event as dict]}, "torch": {name: Summary as dict or [..]},
"torch_bytes": {name: hex of SerializeToString}}.
usage: check_tfevents_torch.py LOGDIR SPEC.json
"""
import json
import os
import struct
import sys
import types

import numpy as np
import torch
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, struct_pb2

from torch_tensorboard import default_bins, load_summary

F = descriptor_pb2.FieldDescriptorProto
T = {"double": F.TYPE_DOUBLE, "float": F.TYPE_FLOAT, "int64": F.TYPE_INT64, "int32": F.TYPE_INT32, "bool": F.TYPE_BOOL,
     "string": F.TYPE_STRING, "bytes": F.TYPE_BYTES}


def msg(container, name, fields, nested=(), enums=(), map_entry=False):
    m = container.add(name=name)
    if map_entry:
        m.options.map_entry = True
    for e_name, values in enums:
        e = m.enum_type.add(name=e_name)
        for n, v in values:
            e.value.add(name=n, number=v)
    for build in nested:
        build(m.nested_type)
    for fname, number, ftype, *rest in fields:
        repeated = bool(rest and rest[0] == "repeated")
        f = m.field.add(name=fname, number=number, label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
        if ftype in T:
            f.type = T[ftype]
        elif ftype.startswith("enum:"):
            f.type, f.type_name = F.TYPE_ENUM, ftype[5:]
        else:
            f.type, f.type_name = F.TYPE_MESSAGE, ftype
    return m


def build_pool():
    fd = descriptor_pb2.FileDescriptorProto(name="kd_tensorboard_check.proto", package="tensorboard", syntax="proto3")
    fd.dependency.append("google/protobuf/struct.proto")
    e = fd.enum_type.add(name="DataType")
    for n, v in [("DT_INVALID", 0), ("DT_FLOAT", 1), ("DT_DOUBLE", 2), ("DT_STRING", 7)]:
        e.value.add(name=n, number=v)
    msg(fd.message_type, "TensorShapeProto", [("dim", 2, ".tensorboard.TensorShapeProto.Dim", "repeated")],
        nested=[lambda c: msg(c, "Dim", [("size", 1, "int64"), ("name", 2, "string")])])
    msg(fd.message_type, "TensorProto", [("dtype", 1, "enum:.tensorboard.DataType"), ("tensor_shape", 2, ".tensorboard.TensorShapeProto"),
                                         ("float_val", 5, "float", "repeated"), ("string_val", 8, "bytes", "repeated")])
    msg(fd.message_type, "HistogramProto", [("min", 1, "double"), ("max", 2, "double"), ("num", 3, "double"), ("sum", 4, "double"),
                                            ("sum_squares", 5, "double"), ("bucket_limit", 6, "double", "repeated"), ("bucket", 7, "double", "repeated")])
    msg(fd.message_type, "SummaryMetadata", [("plugin_data", 1, ".tensorboard.SummaryMetadata.PluginData"), ("display_name", 2, "string"),
                                             ("summary_description", 3, "string")],
        nested=[lambda c: msg(c, "PluginData", [("plugin_name", 1, "string"), ("content", 2, "bytes")])])
    msg(fd.message_type, "Summary", [("value", 1, ".tensorboard.Summary.Value", "repeated")], nested=[
        lambda c: msg(c, "Image", [("height", 1, "int32"), ("width", 2, "int32"), ("colorspace", 3, "int32"), ("encoded_image_string", 4, "bytes")]),
        lambda c: msg(c, "Value", [("tag", 1, "string"), ("simple_value", 2, "float"), ("image", 4, ".tensorboard.Summary.Image"),
                                   ("histo", 5, ".tensorboard.HistogramProto"), ("tensor", 8, ".tensorboard.TensorProto"),
                                   ("metadata", 9, ".tensorboard.SummaryMetadata")]),
    ])
    msg(fd.message_type, "TextPluginData", [("version", 1, "int32")])
    msg(fd.message_type, "Event", [("wall_time", 1, "double"), ("step", 2, "int64"), ("file_version", 3, "string"), ("summary", 5, ".tensorboard.Summary")])
    # hparams plugin
    for n, vals in [("HDataType", [("DATA_TYPE_UNSET", 0), ("DATA_TYPE_STRING", 1), ("DATA_TYPE_BOOL", 2), ("DATA_TYPE_FLOAT64", 3)]),
                    ("Status", [("STATUS_UNKNOWN", 0), ("STATUS_SUCCESS", 1), ("STATUS_FAILURE", 2), ("STATUS_RUNNING", 3)])]:
        e = fd.enum_type.add(name=n)
        for a, b in vals:
            e.value.add(name=a, number=b)
    msg(fd.message_type, "HParamInfo", [("name", 1, "string"), ("display_name", 2, "string"), ("description", 3, "string"),
                                        ("type", 4, "enum:.tensorboard.HDataType"), ("domain_discrete", 5, ".google.protobuf.ListValue")])
    msg(fd.message_type, "MetricName", [("group", 1, "string"), ("tag", 2, "string")])
    msg(fd.message_type, "MetricInfo", [("name", 1, ".tensorboard.MetricName"), ("display_name", 3, "string"), ("description", 4, "string")])
    msg(fd.message_type, "Experiment", [("description", 1, "string"), ("user", 2, "string"), ("time_created_secs", 3, "double"),
                                        ("hparam_infos", 4, ".tensorboard.HParamInfo", "repeated"), ("metric_infos", 5, ".tensorboard.MetricInfo", "repeated")])
    msg(fd.message_type, "SessionStartInfo", [("hparams", 1, ".tensorboard.SessionStartInfo.HparamsEntry", "repeated"), ("model_uri", 2, "string"),
                                              ("monitor_url", 3, "string"), ("group_name", 4, "string"), ("start_time_secs", 5, "double")],
        nested=[lambda c: msg(c, "HparamsEntry", [("key", 1, "string"), ("value", 2, ".google.protobuf.Value")], map_entry=True)])
    msg(fd.message_type, "SessionEndInfo", [("status", 1, "enum:.tensorboard.Status"), ("end_time_secs", 2, "double")])
    msg(fd.message_type, "HParamsPluginData", [("version", 1, "int32"), ("experiment", 2, ".tensorboard.Experiment"),
                                               ("session_start_info", 3, ".tensorboard.SessionStartInfo"), ("session_end_info", 4, ".tensorboard.SessionEndInfo")])
    pool = descriptor_pool.Default()
    pool.Add(fd)
    factory = message_factory.MessageFactory(pool)  # protobuf 4.21: GetPrototype (GetMessageClass is newer)

    def get(n):
        d = pool.FindMessageTypeByName("tensorboard." + n)
        cls = factory.GetPrototype(d)
        for nested in d.nested_types:  # Summary.Value etc., as generated modules have them
            setattr(cls, nested.name, get(n + "." + nested.name))
        return cls
    return pool, get


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    b = open(path, "rb").read()
    p, out = 0, []
    while p < len(b):
        (n,) = struct.unpack_from("<Q", b, p)
        assert struct.unpack_from("<I", b, p + 8)[0] == masked(b[p:p + 8]), f"{path}: length crc at {p}"
        data = b[p + 12:p + 12 + n]
        assert struct.unpack_from("<I", b, p + 12 + n)[0] == masked(data), f"{path}: data crc at {p}"
        out.append(data)
        p += 16 + n
    return out


def main():
    logdir, spec_path = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    pool, get = build_pool()
    Summary, SummaryMetadata, TensorProto, TensorShapeProto, HistogramProto = (get(n) for n in ["Summary", "SummaryMetadata", "TensorProto", "TensorShapeProto", "HistogramProto"])
    from google.protobuf.internal import enum_type_wrapper
    mods = {
        "tensorboard.compat.proto.summary_pb2": dict(HistogramProto=HistogramProto, Summary=Summary, SummaryMetadata=SummaryMetadata),
        "tensorboard.compat.proto.tensor_pb2": dict(TensorProto=TensorProto),
        "tensorboard.compat.proto.tensor_shape_pb2": dict(TensorShapeProto=TensorShapeProto),
        "tensorboard.plugins.custom_scalar.layout_pb2": {}, "tensorboard.plugins.pr_curve.plugin_data_pb2": dict(PrCurvePluginData=None),
        "tensorboard.plugins.text.plugin_data_pb2": dict(TextPluginData=get("TextPluginData")),
        "tensorboard.plugins.hparams.api_pb2": dict(Experiment=get("Experiment"), HParamInfo=get("HParamInfo"), MetricInfo=get("MetricInfo"), MetricName=get("MetricName"),
                                                    Status=enum_type_wrapper.EnumTypeWrapper(pool.FindEnumTypeByName("tensorboard.Status")),
                                                    DataType=enum_type_wrapper.EnumTypeWrapper(pool.FindEnumTypeByName("tensorboard.HDataType"))),
        "tensorboard.plugins.hparams.metadata": dict(PLUGIN_NAME="hparams", PLUGIN_DATA_VERSION=0, EXPERIMENT_TAG="_hparams_/experiment",
                                                     SESSION_START_INFO_TAG="_hparams_/session_start_info", SESSION_END_INFO_TAG="_hparams_/session_end_info"),
        "tensorboard.plugins.hparams.plugin_data_pb2": dict(HParamsPluginData=get("HParamsPluginData"), SessionEndInfo=get("SessionEndInfo"), SessionStartInfo=get("SessionStartInfo")),
    }
    for name, attrs in mods.items():
        parts = name.split(".")
        for i in range(1, len(parts)):
            sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
    summary = load_summary()
    bins = default_bins()

    Event = get("Event")
    todict = lambda m: json_format.MessageToDict(m, preserving_proto_field_name=True)
    files = {}
    for root, _, names in os.walk(logdir):
        for n in sorted(names):
            if n.startswith("events.out.tfevents."):
                p = os.path.join(root, n)
                evs = []
                for r in records(p):
                    e = Event.FromString(r)
                    d = todict(e)
                    for v, dv in zip(e.summary.value, d.get("summary", {}).get("value", [])):
                        if v.metadata.plugin_data.plugin_name == "hparams":
                            dv["hparams_content"] = todict(get("HParamsPluginData").FromString(v.metadata.plugin_data.content))
                    d["summary_hex"] = e.summary.SerializeToString().hex() if e.HasField("summary") else None
                    evs.append(d)
                files[os.path.relpath(p, logdir)] = evs
    out_torch, out_bytes = {}, {}
    for name, case in spec.items():
        if case["kind"] == "scalar":
            m = summary.scalar(case["tag"], case["value"])
        elif case["kind"] == "histogram":
            m = summary.histogram(case["tag"], np.array(case["values"], dtype=np.float64), bins)
        elif case["kind"] == "text":
            m = summary.text(case["tag"], case["text"])
        elif case["kind"] == "hparams":
            ms = summary.hparams(case["hparams"], case["metrics"])
            out_torch[name] = [todict(x) for x in ms]
            for x in ms:
                for v in x.value:  # decode the plugin content too
                    out_torch[name + "/" + v.tag] = todict(get("HParamsPluginData").FromString(v.metadata.plugin_data.content))
            continue
        out_torch[name] = todict(m)
        out_bytes[name] = m.SerializeToString().hex()
    print(json.dumps({"files": files, "torch": out_torch, "torch_bytes": out_bytes}))


if __name__ == "__main__":
    main()

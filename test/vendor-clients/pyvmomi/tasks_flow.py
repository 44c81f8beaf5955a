"""
VMware's Python SDK (Debian's python3-pyvmomi) against taskgraph's vim25 simulator over https:
SmartConnect with the simulator's CA, recent tasks, property paths, a task history collector,
cancel, an extension's CreateTask flow with its setters, WaitForUpdatesEx, logout.

Usage: tasks_flow.py HOST PORT CA_FILE USER PASSWORD
Prints one JSON object of observations on stdout; the vitest test asserts on them. An SDK
exception ends the script with a traceback (non-zero exit), which the test reports.
"""
import json
import ssl
import sys

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

host, port, ca_file, user, password = sys.argv[1:6]
out = {}

# SmartConnect reads /sdk/vimServiceVersions.xml first, then logs in; verification is on.
context = ssl.create_default_context(cafile=ca_file)
si = SmartConnect(host=host, port=int(port), user=user, pwd=password, sslContext=context)
content = si.RetrieveContent()
out["about"] = {"apiType": content.about.apiType, "apiVersion": content.about.apiVersion}
out["session_user"] = content.sessionManager.currentSession.userName

# Recent tasks, read through property accessors (RetrievePropertiesEx per property).
tm = content.taskManager
recent = tm.recentTask
out["recent_count"] = len(recent)
first = recent[0].info
out["first"] = {"key": first.key, "state": first.state, "entityName": first.entityName,
                "entity": first.entity._moId if first.entity else None,
                "entity_name_read": first.entity.name if first.entity else None}

# Property paths: one RetrievePropertiesEx for info.state and info.progress of every recent task.
pc = content.propertyCollector
spec = vmodl.query.PropertyCollector.FilterSpec(
    objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=t) for t in recent],
    propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.state", "info.progress", "info.entityName"])],
)
result = pc.RetrievePropertiesEx(specSet=[spec], options=vmodl.query.PropertyCollector.RetrieveOptions())
paths = {}
for obj in result.objects:
    for prop in obj.propSet:
        paths.setdefault(prop.name, []).append(prop.val)
    if obj.missingSet:
        out.setdefault("missing", []).extend(m.path for m in obj.missingSet)
out["paths"] = {name: len(values) for name, values in paths.items()}
out["states"] = sorted(set(str(v) for v in paths.get("info.state", [])))
out["progress_types"] = sorted(set(type(v).__name__ for v in paths.get("info.progress", [])))

# A task history collector: newest page, then reading forward from the oldest.
collector = tm.CreateCollectorForTasks(filter=vim.TaskFilterSpec(state=["success", "error", "running", "queued"]))
collector.SetCollectorPageSize(5)
latest = collector.latestPage
collector.RewindCollector()
forward = collector.ReadNextTasks(maxCount=3)
out["collector"] = {"latest": len(latest), "forward": [t.key for t in forward]}
collector.DestroyCollector()

# Cancel a running cancelable task (or report there was none).
target = next((t for t in recent if t.info.state == "running" and t.info.cancelable), None)
if target is not None:
    target.CancelTask()
    out["canceled"] = {"key": target.info.key, "cancelled": target.info.cancelled}

# An extension's task: CreateTask with a registered task type, then the setters.
ext = content.extensionManager.FindExtension("com.example.backup")
out["extension_tasks"] = [t.taskID for t in ext.taskList]
root = content.rootFolder
try:
    tm.CreateTask(obj=root, taskTypeId="com.example.unregistered", cancelable=False)
    out["unregistered"] = "accepted"
except vmodl.fault.InvalidArgument as fault:
    out["unregistered"] = fault.invalidProperty
info = tm.CreateTask(obj=root, taskTypeId="com.example.backup.run", initiatedBy="backup-service", cancelable=True)
task = info.task
out["created"] = {"state": info.state, "entityName": info.entityName, "descriptionId": info.descriptionId}

# WaitForUpdatesEx on the created task's info.state and info.progress, through its own collector.
watch = pc.CreatePropertyCollector()
watch.CreateFilter(vmodl.query.PropertyCollector.FilterSpec(
    objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=task)],
    propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.Task, pathSet=["info.state", "info.progress"])],
), partialUpdates=False)
initial = watch.WaitForUpdatesEx(version="", options=vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=5))
task.SetTaskState(state="running")
task.UpdateProgress(percentDone=40)
task.SetTaskDescription(description=vmodl.LocalizableMessage(key="com.example.backup.run.copying", message="Copying disks"))
update = watch.WaitForUpdatesEx(version=initial.version, options=vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=5))
changes = {}
for fs in update.filterSet:
    for os_ in fs.objectSet:
        for change in os_.changeSet:
            changes[change.name] = str(change.val)
out["watch"] = {"initial_kind": [o.kind for fs in initial.filterSet for o in fs.objectSet], "changes": changes}
task.SetTaskState(state="success", result="backup-42")
done = task.info
out["finished"] = {"state": done.state, "result": done.result, "description": done.description.message}
watch.DestroyPropertyCollector()

# A failed extension task: SetTaskState with a fault.
failing = tm.CreateTask(obj=root, taskTypeId="com.example.backup.verify", cancelable=False).task
failing.SetTaskState(state="running")
failing.SetTaskState(state="error", fault=vmodl.fault.SystemError(reason="checksum mismatch"))
error = failing.info.error
# pyVmomi reads a LocalizedMethodFault as the fault itself, its localizedMessage as msg.
out["failed"] = {"state": failing.info.state, "fault": type(error).__name__, "reason": error.reason, "msg": error.msg}

# Logout: the session is gone, and property reads fault NotAuthenticated.
Disconnect(si)
try:
    tm.recentTask
    out["after_logout"] = "answered"
except vim.fault.NotAuthenticated:
    out["after_logout"] = "NotAuthenticated"

print(json.dumps(out))

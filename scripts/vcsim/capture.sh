#!/bin/sh
# Records vcsim's real vim25 responses into src/adapters/vsphere-soap/__fixtures__/vcsim-*.xml.
# The adapter's parsing tests and the simulator's parity tests read them. Re-run after changing
# the govmomi package: scripts/vcsim/build.sh && scripts/vcsim/capture.sh
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/.vcsim/vcsim"
out="$root/src/adapters/vsphere-soap/__fixtures__"
[ -x "$bin" ] || { echo "capture.sh: $bin is missing; run scripts/vcsim/build.sh" >&2; exit 2; }
command -v curl >/dev/null || { echo "capture.sh: curl is required" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin" -listen 127.0.0.1:0 -username capture-user -password capture-pass >"$work/url" 2>"$work/log" &
pid=$!
for _ in $(seq 1 100); do grep -q VCSIM_URL "$work/url" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^VCSIM_URL=//p' "$work/url")

# soap <fixture name or -> <body> [jar]: posts one call as the adapter does, saves the response body.
soap() {
  name=$1 body=$2 jar=${3:-$work/jar}
  env='<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header><operationID>capture</operationID></soapenv:Header><soapenv:Body>'"$body"'</soapenv:Body></soapenv:Envelope>'
  curl -s -D "$work/headers" -b "$jar" -c "$jar" -H 'Content-Type: text/xml; charset="utf-8"' \
    -H 'SOAPAction: urn:vim25/7.0' --data-binary "$env" "$url" >"$work/body"
  if [ "$name" != - ]; then cp "$work/body" "$out/$name"; fi
}
value() { sed -n "s:.*<returnval type=\"[A-Za-z]*\">\([^<]*\)</returnval>.*:\1:p" "$work/body"; }

SI='<_this type="ServiceInstance">ServiceInstance</_this>'
SM='<_this type="SessionManager">SessionManager</_this>'
PC='<_this type="PropertyCollector">propertyCollector</_this>'
TASK_INFO='<propSet><type>Task</type><pathSet>info</pathSet></propSet>'
RECENT='<objectSet><obj type="TaskManager">TaskManager</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>recentTask</name><type>TaskManager</type><path>recentTask</path><skip>false</skip></selectSet></objectSet>'

soap vcsim-retrieveservicecontent.xml "<RetrieveServiceContent xmlns=\"urn:vim25\">$SI</RetrieveServiceContent>"
soap vcsim-login-invalidlogin-fault.xml "<Login xmlns=\"urn:vim25\">$SM<userName>capture-user</userName><password>wrong</password></Login>"
soap vcsim-login.xml "<Login xmlns=\"urn:vim25\">$SM<userName>capture-user</userName><password>capture-pass</password></Login>"
grep -i '^set-cookie:' "$work/headers" | tr -d '\r' >"$out/vcsim-login-set-cookie.txt"
soap vcsim-retrievepropertiesex-recenttask.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet><propSet><type>TaskManager</type><pathSet>recentTask</pathSet></propSet><objectSet><obj type=\"TaskManager\">TaskManager</obj></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"

soap - "<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">ViewManager</_this><container type=\"Folder\">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>"
view=$(value)
soap - "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet><propSet><type>ContainerView</type><pathSet>view</pathSet></propSet><objectSet><obj type=\"ContainerView\">$view</obj></objectSet></specSet><options/></RetrievePropertiesEx>"
vm=$(grep -o '<ManagedObjectReference type="VirtualMachine">[^<]*' "$work/body" | head -1 | sed 's/.*>//')

soap vcsim-poweroffvm-task.xml "<PowerOffVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$vm</_this></PowerOffVM_Task>"
ok_task=$(value)
soap - "<PowerOffVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$vm</_this></PowerOffVM_Task>"
failed_task=$(value)
soap vcsim-retrievepropertiesex-task-info.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet>$TASK_INFO<objectSet><obj type=\"Task\">$ok_task</obj></objectSet><objectSet><obj type=\"Task\">$failed_task</obj></objectSet><objectSet><obj type=\"Task\">task-99999</obj></objectSet><reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
soap vcsim-retrievepropertiesex-managedobjectnotfound-fault.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet>$TASK_INFO<objectSet><obj type=\"Task\">$ok_task</obj></objectSet><objectSet><obj type=\"Task\">task-99999</obj></objectSet></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
soap vcsim-retrievepropertiesex-recenttask-traversal.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet>$TASK_INFO$RECENT</specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
soap vcsim-createcollectorfortasks-methodnotfound-fault.xml "<CreateCollectorForTasks xmlns=\"urn:vim25\"><_this type=\"TaskManager\">TaskManager</_this><filter><state>success</state></filter></CreateCollectorForTasks>"
soap vcsim-canceltask-methodnotfound-fault.xml "<CancelTask xmlns=\"urn:vim25\"><_this type=\"Task\">$ok_task</_this></CancelTask>"
soap vcsim-canceltask-managedobjectnotfound-fault.xml "<CancelTask xmlns=\"urn:vim25\"><_this type=\"Task\">task-99999</_this></CancelTask>"

soap vcsim-createpropertycollector.xml "<CreatePropertyCollector xmlns=\"urn:vim25\">$PC</CreatePropertyCollector>"
pc=$(value)
soap vcsim-createfilter.xml "<CreateFilter xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><spec>$TASK_INFO$RECENT</spec><partialUpdates>false</partialUpdates></CreateFilter>"
filter=$(value)
soap vcsim-waitforupdatesex-initial.xml "<WaitForUpdatesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><version></version><options><maxWaitSeconds>0</maxWaitSeconds></options></WaitForUpdatesEx>"
cp "$work/jar" "$work/jar2"
( sleep 0.5; soap - "<PowerOnVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">$vm</_this></PowerOnVM_Task>" "$work/jar2" ) &
poweron=$!
soap vcsim-waitforupdatesex-enter-modify.xml "<WaitForUpdatesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><version>-</version><options><maxWaitSeconds>10</maxWaitSeconds></options></WaitForUpdatesEx>"
wait "$poweron"
soap vcsim-waitforupdatesex-empty.xml "<WaitForUpdatesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this><version>-</version><options><maxWaitSeconds>1</maxWaitSeconds></options></WaitForUpdatesEx>"
soap vcsim-destroypropertyfilter.xml "<DestroyPropertyFilter xmlns=\"urn:vim25\"><_this type=\"PropertyFilter\">$filter</_this></DestroyPropertyFilter>"
soap vcsim-destroypropertycollector.xml "<DestroyPropertyCollector xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">$pc</_this></DestroyPropertyCollector>"
soap vcsim-logout.xml "<Logout xmlns=\"urn:vim25\">$SM</Logout>"
soap vcsim-retrievepropertiesex-notauthenticated-missingset.xml "<RetrievePropertiesEx xmlns=\"urn:vim25\">$PC<specSet>$TASK_INFO<objectSet><obj type=\"Task\">$ok_task</obj></objectSet><reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet><options><maxObjects>1000</maxObjects></options></RetrievePropertiesEx>"
soap vcsim-createpropertycollector-notauthenticated-fault.xml "<CreatePropertyCollector xmlns=\"urn:vim25\">$PC</CreatePropertyCollector>"
soap vcsim-invalidrequest-fault.xml "<NoSuchMethod xmlns=\"urn:vim25\">$SI</NoSuchMethod>"
echo "captured $(ls "$out"/vcsim-* | wc -l) files into $out"

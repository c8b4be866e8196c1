/**
 * `ceph.conf` for a throwaway single-node cluster on loopback: one monitor, one memstore OSD
 * (data in RAM, nothing on disk but logs) and one RADOS Gateway, with cephx off. The choices
 * that are not defaults are the ones a loopback cluster needs:
 * - msgr v1 only on IPv4: with msgr2 the gateway fails auth (-13), with IPv6 on the OSD loops
 *   on "Address family not supported";
 * - pool size 1 and no redundancy warnings (one OSD);
 * - no CRUSH update on OSD start (otherwise the OSD never boots: "wrong fsid").
 */
export function cephConfig({
  fsid,
  dir,
  monPort,
  rgwPort,
  memstoreBytes,
}: {
  fsid: string;
  dir: string;
  monPort: number;
  rgwPort: number;
  memstoreBytes: number;
}): string {
  return `[global]
fsid = ${fsid}
mon host = [v1:127.0.0.1:${monPort}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/mon.$id
osd data = ${dir}/osd.$id
keyring = ${dir}/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = ${memstoreBytes}
osd crush chooseleaf type = 0
osd crush update on start = false
osd class update on start = false

[client.rgw.a]
rgw data = ${dir}/rgw
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`;
}

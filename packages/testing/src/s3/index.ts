export {
  CEPH_RGW_BINARIES,
  type CephRgwHandle,
  type StartCephRgwOptions,
  startCephRgw,
} from './ceph-rgw.js';
export {
  type S3ConditionalWriteGate,
  type S3ConditionalWriteGateOptions,
  startS3ConditionalWriteGate,
} from './conditional-write-gate.js';

/**
 * What the TypeScript side and the remote shell library (templates/remote/*.sh) must agree on,
 * named once. The renderer (trust-script.ts) and the parser (trust-result.ts, ssh-runner.ts)
 * read these constants; the shell spells them out itself, and
 * test/unit/remote/script-contract.test.ts reads the .sh text to prove it spells them the same,
 * so a rename on either side fails a test instead of a fleet run.
 */

/** Shell functions the rendered script calls, each defined in one of the library files. */
export const SH = {
  say: 'rs_say',
  detect: 'rs_detect',
  runtimeOn: 'rs_rt',
  open: 'rs_open',
  put: 'rs_put',
  check: 'rs_check',
  containerdPath: 'rs_containerd_path',
  insecureAdd: 'rs_insecure_add',
  insecureCheck: 'rs_insecure_check',
  mirrorsAdd: 'rs_mirrors_add',
  mirrorsCheck: 'rs_mirrors_check',
  systrust: 'rs_systrust',
  systrustCheck: 'rs_systrust_check',
  hostsAdd: 'rs_hosts_add',
  hostsCheck: 'rs_hosts_check',
  undo: 'rs_undo',
  login: 'rs_login',
  k3sRestart: 'rs_k3s_restart',
  k3sMirror: 'rs_k3s_mirror',
} as const;

/**
 * Variables the rendered script sets before the library, which the library reads
 * (RS_CA is only ever passed as an argument, so it is not listed).
 */
export const VARS = {
  /** Prefix of every file system access; empty on a node (see trust-script.ts). */
  root: 'RS_ROOT',
  stamp: 'RS_STAMP',
  awk: 'RS_AWK',
  runtimes: 'RS_RT',
  /** --login: the docker config.json value, `{"auth": "BASE64"}`; a credential, so never in argv. */
  dockerAuth: 'RS_JV',
  /** --login: the user and password as quoted YAML scalars, for registries.yaml. */
  yamlUser: 'RS_KU',
  yamlPassword: 'RS_KP',
  configAwk: 'RS_CJAWK',
  yamlAwk: 'RS_KYAWK',
  restartK3s: 'RS_KRESTART',
} as const;

/** Every line the script means for us starts with this word and a space. */
export const RESULT_PREFIX = '@@rs';

/** The kinds of `@@rs KIND TEXT` lines. */
export const LINE = {
  begin: 'begin',
  end: 'end',
  runtimes: 'runtimes',
  change: 'change',
  warn: 'warn',
  error: 'error',
  state: 'state',
} as const;
export type LineKind = (typeof LINE)[keyof typeof LINE];

/** `@@rs state WORD WHAT`, from the --check functions. */
export const STATES = ['ok', 'missing', 'differs'] as const;
export type StateWord = (typeof STATES)[number];

/**
 * First words of the lines in RECORDS_DIR/ADDR.list. untrust-node reads them from nodes that
 * an older version may have written, so a kind may be added but never renamed.
 *   dir P | file P | replaced P BACKUP | backup P | hosts LINE | insecure ADDR | daemonkey | daemonfile
 *   | dockerauth P | dockerauthold P | dockerauthkey P | dockerconfig P | rancherentry P | rancherkey P | rancherfile P
 *   | mirror URL (an entry we added to registry-mirrors) | mirrorkey (we added registry-mirrors)
 *   | ranchermirror P UPSTREAM | ranchermirrorkey P
 * Paths in records are node paths (never RS_ROOT-prefixed).
 */
export const RECORD_KINDS = [
  'dir', 'file', 'replaced', 'backup', 'hosts', 'insecure', 'daemonkey', 'daemonfile',
  'dockerauth', 'dockerauthold', 'dockerauthkey', 'dockerconfig', 'rancherentry', 'rancherkey', 'rancherfile',
  'mirror', 'mirrorkey', 'ranchermirror', 'ranchermirrorkey',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Paths on the node, as the node names them; the script reaches each as $RS_ROOT + path. */
export const NODE = {
  records: '/var/lib/registry-setup/trust',
  daemonJson: '/etc/docker/daemon.json',
  dockerCerts: '/etc/docker/certs.d',
  containerdCerts: '/etc/containerd/certs.d',
  containerdConfig: '/etc/containerd/config.toml',
  podmanCerts: '/etc/containers/certs.d',
  podmanRegistries: '/etc/containers/registries.conf.d',
  /** --mirrors for podman and CRI-O: one drop-in with every upstream; 50- sorts it after the distribution's own. */
  podmanMirrors: '/etc/containers/registries.conf.d/50-registry-setup.conf',
  /** Debian-like system CA store (update-ca-certificates). */
  caDebian: '/usr/local/share/ca-certificates',
  /** RHEL-like system CA store (update-ca-trust). */
  caRhel: '/etc/pki/ca-trust/source/anchors',
  hosts: '/etc/hosts',
  /** Where rs_reload looks to decide between systemctl and a SIGHUP. */
  systemdRun: '/run/systemd/system',
  dockerPid: '/var/run/docker.pid',
  /** k3s and RKE2 live under /etc/rancher/k3s and /etc/rancher/rke2 (registries.yaml). */
  rancher: '/etc/rancher',
  /** Root's docker client config, when `getent passwd root` names no other home. */
  rootDockerConfig: '/root/.docker/config.json',
} as const;

/** The record file of one registry address on the node. */
export const recordFile = (address: string): string => `${NODE.records}/${address}.list`;

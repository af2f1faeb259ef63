/**
 * The shell scripts the backup Jobs run, shipped as TypeScript strings (the library is bundled
 * with esbuild and compiled with tsc, so there is no file to find at run time). Each script is
 * self-contained: a header naming the environment it reads, the common functions, the functions of
 * its source (PostgreSQL, Redis or the event-store export), then its main routine. Nothing about a
 * particular database is baked in: everything comes from the environment the Job sets, so the same
 * script text serves every instance of a source kind, and the integration tests run it unchanged.
 *
 * The scripts need bash 4.4+, GNU coreutils (date -d, sha256sum, stat -c, mktemp), gzip, rclone,
 * age (when backups are encrypted) and the source's client (pg_dump/psql/createdb/dropdb, redis-cli,
 * or curl).
 *
 * Escaping note for maintainers: these are TypeScript template literals, so a bash `${...}` is
 * written `\${...}` and a backslash `\\`.
 */

/** What a backup is made of; one value per {@link BackupSource} factory. */
export enum BackupSourceKind {
  POSTGRES = 'postgres',
  REDIS = 'redis',
  EVENT_STORE = 'event-store',
}

/** The script files in the ConfigMap, by the Job that runs them. */
export const SCRIPT_FILES = {
  backup: 'backup.sh',
  restore: 'restore.sh',
  verify: 'verify-restore.sh',
} as const;

/** Where the ConfigMap with the scripts is mounted (read-only) in every Job. */
export const SCRIPTS_MOUNT_PATH = '/scripts';

/** The archive's suffix after `backup_<YYYYmmdd_HHMMSS>`, by source kind; an encrypted archive adds {@link ENCRYPTED_SUFFIX}. */
export const BACKUP_SUFFIX: Record<BackupSourceKind, string> = {
  [BackupSourceKind.POSTGRES]: '.sql.gz',
  [BackupSourceKind.REDIS]: '.rdb.gz',
  [BackupSourceKind.EVENT_STORE]: '.events.gz',
};

/** The suffix age-encrypted archives add, e.g. `backup_20250101_020000.sql.gz.age`. */
export const ENCRYPTED_SUFFIX = '.age';

/** Environment variables every script reads, with what they mean (also written into each script's header). */
const COMMON_ENVIRONMENT: Record<string, string> = {
  BACKUP_DESTINATION: 'rclone remote and folder of the backups, e.g. backup:fintech-backups/fintech-production/platform-db',
  BACKUP_ENCRYPTION: '"age": archives are age-encrypted (suffix .age); "none": plain archives',
  BACKUP_LOCK_DAYS: 'the store keeps every object immutable this many days (0: no retention lock); never deleted earlier',
  BACKUP_WORK_DIR: 'local scratch folder for the archive (an emptyDir)',
  HOME: 'a writable folder (the root filesystem is read-only)',
  'RCLONE_CONFIG_BACKUP_*': 'the rclone remote "backup": TYPE and options, credentials from Secrets',
};

const SOURCE_ENVIRONMENT: Record<BackupSourceKind, Record<string, string>> = {
  [BackupSourceKind.POSTGRES]: {
    'PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE': 'the database (libpq variables; the password from a Secret)',
    'PGSSLMODE, PGCONNECT_TIMEOUT': 'TLS mode and connection timeout',
  },
  [BackupSourceKind.REDIS]: {
    'REDIS_HOST, REDIS_PORT': 'the Redis server',
    REDISCLI_AUTH: 'its password (from a Secret; redis-cli reads it from the environment)',
    REDIS_TLS: '"true" to connect with TLS',
  },
  [BackupSourceKind.EVENT_STORE]: {
    EVENTS_EXPORT_URL: 'the export endpoint, e.g. http://transaction-service:8004/events/export',
    EVENTS_EXPORT_TOKEN: 'optional bearer token (from a Secret)',
  },
};

const PURPOSE_ENVIRONMENT: Record<keyof typeof SCRIPT_FILES, Record<string, string>> = {
  backup: {
    BACKUP_RETENTION_DAYS: 'delete backups older than this many days (never the newest)',
    BACKUP_WRITE_ONLY: '"true": the credential may only create objects: no existence check, no rename, no pruning (a separate Job prunes)',
    AGE_RECIPIENTS: 'BACKUP_ENCRYPTION=age: space-separated age recipients (public keys) every archive is encrypted to',
  },
  restore: {
    AGE_IDENTITY_FILE: 'BACKUP_ENCRYPTION=age: the file holding the age identity (private key) that decrypts the archives',
    BACKUP_FILE: 'the backup to restore, e.g. backup_20250101_020000.sql.gz; empty: the newest',
    RESTORE_OWNER: 'the role every restored object belongs to; empty: the owner of PGDATABASE',
    RESTORE_APPLICATION_ROLES: 'space-separated roles granted the use of the restored schemas, tables and sequences',
  },
  verify: {
    AGE_IDENTITY_FILE: 'BACKUP_ENCRYPTION=age: the file holding the age identity (private key) that decrypts the archives',
    BACKUP_SOURCE_DATABASE: 'PostgreSQL: the backed-up database, which the scratch database (PGDATABASE) must differ from',
    VERIFY_TABLES: 'PostgreSQL: space-separated schema.table names that must exist, hold rows and be usable by the roles',
    RESTORE_OWNER: 'PostgreSQL: the role the restored objects belong to; empty: the owner of BACKUP_SOURCE_DATABASE',
    RESTORE_APPLICATION_ROLES: 'PostgreSQL: space-separated roles granted the use of the restored objects',
  },
};

const TITLES: Record<keyof typeof SCRIPT_FILES, string> = {
  backup: 'Backs up the source to object storage: dump, verify, encrypt, checksum, upload, prune ("backup.sh prune": prune only).',
  restore: 'Restores one backup (BACKUP_FILE, default the newest) after checking its checksum and integrity.',
  verify: 'Restore verification: restores the newest backup into a scratch target and checks it; fails loudly otherwise.',
};

/** The text of one script for one source kind. */
export function backupScript(kind: BackupSourceKind, purpose: keyof typeof SCRIPT_FILES): string {
  const main = MAIN[purpose](kind);
  if (main === undefined) throw new Error(`no ${purpose} script for ${kind} backups`);
  return [header(kind, purpose), COMMON(kind), SOURCE[kind], main].join('\n');
}

function header(kind: BackupSourceKind, purpose: keyof typeof SCRIPT_FILES): string {
  const env = { ...COMMON_ENVIRONMENT, ...SOURCE_ENVIRONMENT[kind], ...PURPOSE_ENVIRONMENT[purpose] };
  const width = Math.max(...Object.keys(env).map((k) => k.length));
  return [
    '#!/usr/bin/env bash',
    `# ${SCRIPT_FILES[purpose]} (${kind}): ${TITLES[purpose]}`,
    '# Generated by cdk8s-fintech (BackupCronJob): change the construct, not this file.',
    '# Environment:',
    ...Object.entries(env).map(([name, what]) => `#   ${name.padEnd(width)}  ${what}`),
    'set -euo pipefail',
    'shopt -s inherit_errexit',
    'umask 077',
  ].join('\n');
}

const escape = (suffix: string) => suffix.replace(/\./g, '\\.');

const COMMON = (kind: BackupSourceKind) => `
ARCHIVE_SUFFIX='${BACKUP_SUFFIX[kind]}'
case "\${BACKUP_ENCRYPTION:-}" in
  age) BACKUP_SUFFIX='${BACKUP_SUFFIX[kind]}${ENCRYPTED_SUFFIX}'; SUFFIX_RE='${escape(BACKUP_SUFFIX[kind] + ENCRYPTED_SUFFIX)}' ;;
  none) BACKUP_SUFFIX='${BACKUP_SUFFIX[kind]}'; SUFFIX_RE='${escape(BACKUP_SUFFIX[kind])}' ;;
  *) printf 'BACKUP_ENCRYPTION must be "age" or "none" (got "%s")\\n' "\${BACKUP_ENCRYPTION:-}" >&2; exit 1 ;;
esac
BACKUP_NAME_RE='^backup_[0-9]{8}_[0-9]{6}'"$SUFFIX_RE"'$'
LOCK_DAYS=\${BACKUP_LOCK_DAYS:-0}
if ! [[ $LOCK_DAYS =~ ^[0-9]+$ ]]; then printf 'BACKUP_LOCK_DAYS must be a whole number of days (got "%s")\\n' "$LOCK_DAYS" >&2; exit 1; fi
# rclone reads its remote "backup" from RCLONE_CONFIG_BACKUP_* variables only, never from a file.
export RCLONE_CONFIG="\${RCLONE_CONFIG:-/dev/null}"

log() { printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_env() {
  local name
  for name in "$@"; do
    if [ -z "\${!name:-}" ]; then die "environment variable $name is not set"; fi
  done
}

remote() { printf '%s/%s' "$BACKUP_DESTINATION" "$1"; }

# Objects a failed run removes again (partial uploads, a checksum whose backup never arrived),
# the local work folder, and an optional hook of the main routine (e.g. dropping a scratch database).
PENDING_REMOTE=()
WORK_DIR=
EXIT_HOOK=
on_exit() {
  local status=$? name
  trap - EXIT
  if [ "$status" -ne 0 ]; then
    for name in "\${PENDING_REMOTE[@]}"; do
      rclone deletefile --retries 1 "$(remote "$name")" >/dev/null 2>&1 || true
    done
  fi
  if [ -n "$EXIT_HOOK" ]; then "$EXIT_HOOK" || true; fi
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
  if [ "$status" -ne 0 ]; then log "FAILED (exit status $status)"; fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

make_work_dir() {
  mkdir -p "$BACKUP_WORK_DIR"
  WORK_DIR=$(mktemp -d "$BACKUP_WORK_DIR/run.XXXXXX")
}

# Every file name in the destination folder; fails the script when the listing fails.
remote_files() {
  rclone lsf --files-only "$BACKUP_DESTINATION" || die "cannot list $BACKUP_DESTINATION"
}

# The complete backups among the names in $1 (final names only), oldest first: names sort by their
# UTC timestamps.
complete_backups() {
  local name
  while IFS= read -r name; do
    if [[ $name =~ $BACKUP_NAME_RE ]]; then printf '%s\\n' "$name"; fi
  done <<<"$1" | LC_ALL=C sort
}

newest_backup() {
  local listing backups
  listing=$(remote_files)
  backups=$(complete_backups "$listing")
  if [ -z "$backups" ]; then die "no backup (backup_YYYYmmdd_HHMMSS$BACKUP_SUFFIX) under $BACKUP_DESTINATION"; fi
  tail -n 1 <<<"$backups"
}

# Seconds since the epoch of the UTC timestamp in a name (backup_YYYYmmdd_HHMMSS...).
name_epoch() {
  if [[ $1 =~ ^backup_([0-9]{4})([0-9]{2})([0-9]{2})_([0-9]{2})([0-9]{2})([0-9]{2}) ]]; then
    local m=("\${BASH_REMATCH[@]}")
    date -u -d "\${m[1]}-\${m[2]}-\${m[3]} \${m[4]}:\${m[5]}:\${m[6]}" +%s
  else
    return 1
  fi
}

# Whether an object exists (a missing object lists nothing, or fails on some backends).
remote_exists() {
  local found
  found=$(rclone lsf --files-only "$(remote "$1")" 2>/dev/null) || return 1
  [ -n "$found" ]
}

# Uploads a local file under "<name>.partial", checks the uploaded size, then renames it to <name>:
# an object under its final name is always complete. Until the run commits, a failure removes what
# this run created (never an object it did not create).
# With a write-only credential (BACKUP_WRITE_ONLY=true) the object is created once under its final
# name and never looked at: an object store makes an upload visible only when it is complete, and
# rclone compares the hash the store returns. A failed run leaves at most an orphaned checksum,
# which the pruning removes after a day.
upload() {
  local file=$1 name=$2 size remote_size
  if [ "$WRITE_ONLY" = true ]; then
    rclone copyto --no-check-dest "$file" "$(remote "$name")" || die "upload of $name failed"
    return 0
  fi
  PENDING_REMOTE+=("$name.partial")
  rclone copyto "$file" "$(remote "$name.partial")" || die "upload of $name failed"
  size=$(stat -c %s "$file")
  remote_size=$(rclone lsf --format s "$(remote "$name.partial")") || die "cannot read the size of $name.partial"
  if [ "$remote_size" != "$size" ]; then die "upload of $name is incomplete: $remote_size of $size bytes"; fi
  rclone moveto "$(remote "$name.partial")" "$(remote "$name")" || die "cannot rename $name.partial to $name"
  PENDING_REMOTE+=("$name")
}

sha256_of() { local sum; sum=$(sha256sum <"$1"); printf '%s' "\${sum%% *}"; }

# Decrypts $1 into $2 with the identity in AGE_IDENTITY_FILE; a backup that this identity cannot
# decrypt fails loudly.
decrypt_backup() {
  local name
  name=$(basename "$1")
  require_env AGE_IDENTITY_FILE
  if ! [ -r "$AGE_IDENTITY_FILE" ]; then die "DECRYPTION FAILED: the age identity $AGE_IDENTITY_FILE is missing or unreadable"; fi
  if ! age --decrypt --identity "$AGE_IDENTITY_FILE" --output "$2" "$1" 2>"$WORK_DIR/age.err"; then
    log "age: $(head -c 500 "$WORK_DIR/age.err")"
    rm -f "$2"
    die "DECRYPTION FAILED: $name cannot be decrypted with the configured age identity (wrong key, or not encrypted to it)"
  fi
}

# Downloads a backup and its checksum into WORK_DIR, checks the checksum, decrypts an encrypted
# backup, and checks the archive; ARCHIVE is then the local plain archive.
ARCHIVE=
fetch_backup() {
  local name=$1 expected actual
  if ! [[ $name =~ $BACKUP_NAME_RE ]]; then die "'$name' is not a backup name (backup_YYYYmmdd_HHMMSS$BACKUP_SUFFIX)"; fi
  rclone copyto "$(remote "$name")" "$WORK_DIR/$name" || die "cannot download $name from $BACKUP_DESTINATION"
  rclone copyto "$(remote "$name.sha256")" "$WORK_DIR/$name.sha256" \\
    || die "the checksum $name.sha256 is missing: refusing an unverifiable backup"
  expected=$(head -c 64 "$WORK_DIR/$name.sha256")
  actual=$(sha256_of "$WORK_DIR/$name")
  if [ "$expected" != "$actual" ]; then die "checksum mismatch: $name is corrupted (sha256 $actual, expected $expected)"; fi
  ARCHIVE="$WORK_DIR/$name"
  if [ "$BACKUP_ENCRYPTION" = age ]; then
    ARCHIVE="$WORK_DIR/\${name%"$BACKUP_SUFFIX"}$ARCHIVE_SUFFIX"
    decrypt_backup "$WORK_DIR/$name" "$ARCHIVE"
    rm -f "$WORK_DIR/$name"
    log "$name: decrypted"
  fi
  verify_archive "$ARCHIVE"
  log "$name: checksum and integrity verified ($(stat -c %s "$ARCHIVE") bytes)"
}

# Encrypts $1 into $2 to every recipient of AGE_RECIPIENTS (public keys only: this Job cannot
# decrypt what it wrote), then removes the plain archive.
encrypt_backup() {
  local recipient args=()
  require_env AGE_RECIPIENTS
  for recipient in $AGE_RECIPIENTS; do args+=(--recipient "$recipient"); done
  age --encrypt "\${args[@]}" --output "$2" "$1" || die "encryption of $(basename "$1") failed"
  rm -f "$1"
}

# Retention: deletes complete backups older than BACKUP_RETENTION_DAYS, never the newest one, then
# the leftovers of interrupted runs (partial uploads and orphaned checksums older than a day).
# Nothing younger than the store's retention lock (BACKUP_LOCK_DAYS) is touched: the store would
# refuse it. Only names are listed and objects deleted: nothing is downloaded.
prune() {
  local days=$BACKUP_RETENTION_DAYS now cutoff listing backups newest name epoch kept=0 deleted=0 leftover_cutoff
  now=$(date -u +%s)
  cutoff=$((now - days * 86400))
  leftover_cutoff=$((now - 86400))
  if [ "$LOCK_DAYS" -gt "$days" ]; then die "retention: BACKUP_LOCK_DAYS ($LOCK_DAYS) exceeds BACKUP_RETENTION_DAYS ($days)"; fi
  if [ "$LOCK_DAYS" -gt 1 ]; then leftover_cutoff=$((now - LOCK_DAYS * 86400)); fi
  listing=$(remote_files)
  backups=$(complete_backups "$listing")
  if [ -z "$backups" ]; then log "retention: no complete backup under $BACKUP_DESTINATION, nothing to prune"; return 0; fi
  newest=$(tail -n 1 <<<"$backups")
  while IFS= read -r name; do
    epoch=$(name_epoch "$name")
    if [ "$name" != "$newest" ] && [ "$epoch" -lt "$cutoff" ]; then
      log "retention: deleting $name (older than $days days)"
      rclone deletefile "$(remote "$name")" || die "retention: cannot delete $name"
      if grep -qxF "$name.sha256" <<<"$listing"; then
        rclone deletefile "$(remote "$name.sha256")" || die "retention: cannot delete $name.sha256"
      fi
      deleted=$((deleted + 1))
    else
      kept=$((kept + 1))
    fi
  done <<<"$backups"
  while IFS= read -r name; do
    if [[ $name =~ ^backup_.*\\.(partial|sha256)$ ]] && epoch=$(name_epoch "$name") && [ "$epoch" -lt "$leftover_cutoff" ]; then
      if [[ $name == *.sha256 ]] && grep -qxF "\${name%.sha256}" <<<"$backups"; then continue; fi
      log "retention: deleting the leftover $name"
      rclone deletefile "$(remote "$name")" || die "retention: cannot delete $name"
    fi
  done <<<"$listing"
  log "retention: kept $kept, deleted $deleted (keeping $days days and always the newest, $newest)"
}

WRITE_ONLY=\${BACKUP_WRITE_ONLY:-false}
`;

const SOURCE: Record<BackupSourceKind, string> = {
  [BackupSourceKind.POSTGRES]: `
SOURCE_ENV=(PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE)

# pg_dump in plain SQL, gzip-compressed: restorable with "gunzip -c FILE | psql" by any operator.
# Owners and grants are left out (--no-owner --no-privileges), so a role other than the original
# owner can restore; roles and grants are cluster-level and managed outside the backups.
dump_source() {
  pg_dump --format=plain --no-owner --no-privileges --lock-wait-timeout=10min | gzip -6 >"$1"
}

# A complete plain dump ends with pg_dump's completion marker: a truncated or failed dump does not.
verify_archive() {
  local tail
  gzip -t "$1" 2>/dev/null || die "verification failed: $(basename "$1") is not an intact gzip archive"
  tail=$(gunzip -c "$1" | tail -n 8)
  if [[ $tail != *"-- PostgreSQL database dump complete"* ]]; then
    die "verification failed: $(basename "$1") lacks pg_dump's completion marker (a truncated dump)"
  fi
}

psql_value() { psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"; }

# Runs SQL read from stdin, so that values are psql variables (-v name=value) that psql quotes
# itself (:'name' as a literal, :"name" as an identifier): names from the environment or the
# catalog are never pasted into SQL.
psql_query() {
  local sql=$1 assignment args=()
  shift
  for assignment in "$@"; do args+=(-v "$assignment"); done
  psql -X -A -t -q -v ON_ERROR_STOP=1 "\${args[@]}" <<<"$sql"
}

# A backup holds no owners and no grants (pg_dump --no-owner --no-privileges): roles are
# cluster-level. A restore therefore creates every object as the owner role (SET ROLE), so that
# the application owns its tables and sequences again, not the role the Job connects as, and then
# grants RESTORE_APPLICATION_ROLES the use of them, in the same transaction.
APPLICATION_ROLES=()
read -r -a APPLICATION_ROLES <<<"\${RESTORE_APPLICATION_ROLES:-}"

# The owner of the restored objects: RESTORE_OWNER, or else the owner of database $1.
restore_owner() {
  local owner=\${RESTORE_OWNER:-}
  if [ -z "$owner" ]; then
    owner=$(PGDATABASE=$1 psql_query "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'db'" db="$1") \\
      || die "cannot read the owner of database $1 on $PGHOST"
    if [ -z "$owner" ]; then die "database $1 does not exist on $PGHOST"; fi
  fi
  printf '%s' "$owner"
}

# The roles must exist (create them before a restore into a new cluster), and the connecting role
# must be able to act as the owner.
check_restore_roles() {
  local owner=$1 role found
  for role in "$owner" "\${APPLICATION_ROLES[@]}"; do
    if ! [[ $role =~ ^[^[:cntrl:]]{1,63}$ ]]; then die "'$role' is not a PostgreSQL role name"; fi
    found=$(psql_query "SELECT count(*) FROM pg_roles WHERE rolname = :'role'" role="$role") || die "cannot connect to $PGHOST"
    if [ "$found" != 1 ]; then
      die "role $role does not exist on $PGHOST: roles are not part of a backup; create it before restoring"
    fi
  done
  found=$(psql_query "SELECT pg_has_role(current_user, :'role', 'MEMBER')" role="$owner")
  if [ "$found" != t ]; then
    die "$PGUSER cannot create objects as $owner: make it a member of the owner role (GRANT $owner TO $PGUSER) or restore as a superuser"
  fi
}

# SQL run after the dump, as the owner: each application role may use every restored schema and
# read and write its tables and sequences (the grants a dump without privileges lacks).
grant_sql() {
  local role literals=()
  if [ "\${#APPLICATION_ROLES[@]}" -eq 0 ]; then return 0; fi
  for role in "\${APPLICATION_ROLES[@]}"; do
    if ! [[ $role =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then die "RESTORE_APPLICATION_ROLES: '$role' is not a lowercase PostgreSQL role name"; fi
    literals+=("'$role'")
  done
  local roles
  roles=$(IFS=,; printf '%s' "\${literals[*]}")
  cat <<SQL
DO \\$restore_grants\\$
DECLARE
  schema_name name;
  grantee name;
BEGIN
  FOR schema_name IN
    SELECT n.nspname FROM pg_namespace n
    WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (pg_has_role(n.nspowner, 'USAGE')
        OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND pg_has_role(c.relowner, 'USAGE')))
  LOOP
    FOREACH grantee IN ARRAY ARRAY[$roles]::name[] LOOP
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, grantee);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema_name, grantee);
      EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', schema_name, grantee);
    END LOOP;
  END LOOP;
END
\\$restore_grants\\$;
SQL
}

# Restores archive $1 into PGDATABASE, which must be empty (a restore never merges into or
# overwrites data), as owner $2, in one transaction.
restore_archive() {
  local archive=$1 owner=$2 relations owner_ident grants
  relations=$(psql_value "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'") \\
    || die "cannot connect to database $PGDATABASE on $PGHOST"
  if [ "$relations" != 0 ]; then
    die "refusing to restore into database $PGDATABASE: it is not empty ($relations relations); restore into a new, empty database"
  fi
  owner_ident=$(psql_query "SELECT quote_ident(:'role')" role="$owner")
  grants=$(grant_sql)
  { printf 'SET ROLE %s;\\n' "$owner_ident"; gunzip -c "$archive"; printf '%s\\n' "$grants"; } \\
    | psql -X -q -v ON_ERROR_STOP=1 --single-transaction >/dev/null || die "restore of $(basename "$archive") into $PGDATABASE failed"
  log "restore: every object restored as $owner\${APPLICATION_ROLES[*]:+; granted to \${APPLICATION_ROLES[*]}}"
}

# The sanity checks of the restore verification: every schema.table of VERIFY_TABLES exists, holds
# rows, belongs to owner $1, and the owner and each application role may read and write it.
# Logs every failure, then fails.
check_restored() {
  local owner=$1 table schema relation exists rows role table_owner usable failures=()
  for table in $VERIFY_TABLES; do
    if ! [[ $table =~ ^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$ ]]; then die "VERIFY_TABLES: '$table' is not schema.table"; fi
    schema=\${table%%.*}
    relation="\\"$schema\\".\\"\${table#*.}\\""
    exists=$(psql_value "SELECT count(*) FROM pg_namespace WHERE nspname = '$schema'")
    if [ "$exists" != 1 ]; then failures+=("schema $schema is missing"); continue; fi
    exists=$(psql_value "SELECT to_regclass('$relation') IS NOT NULL")
    if [ "$exists" != t ]; then failures+=("table $table is missing"); continue; fi
    rows=$(psql_value "SELECT count(*) FROM $relation")
    log "check: $table has $rows rows"
    if [ "$rows" -eq 0 ]; then failures+=("table $table is empty"); fi
    table_owner=$(psql_value "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '$relation'::regclass")
    if [ "$table_owner" != "$owner" ]; then failures+=("table $table belongs to $table_owner, not to $owner"); fi
    for role in "$owner" "\${APPLICATION_ROLES[@]}"; do
      usable=$(psql_query "SELECT has_schema_privilege(:'role', :'schema', 'USAGE')
        AND has_table_privilege(:'role', :'relation', 'SELECT') AND has_table_privilege(:'role', :'relation', 'INSERT')
        AND has_table_privilege(:'role', :'relation', 'UPDATE')" role="$role" schema="$schema" relation="$relation")
      if [ "$usable" != t ]; then failures+=("role $role cannot read and write table $table"); fi
    done
  done
  if [ "\${#failures[@]}" -gt 0 ]; then
    local failure
    for failure in "\${failures[@]}"; do log "RESTORE VERIFICATION FAILED: $failure"; done
    die "RESTORE VERIFICATION FAILED: \${#failures[@]} check(s) failed"
  fi
}

SCRATCH_CREATED=
drop_scratch() {
  if [ -n "$SCRATCH_CREATED" ]; then dropdb --if-exists --maintenance-db=postgres "$PGDATABASE"; fi
}

# Restores into a fresh scratch database PGDATABASE (dropped again at the end), owned like the
# backed-up database, and checks it.
verify_restore() {
  require_env BACKUP_SOURCE_DATABASE VERIFY_TABLES
  if [ "$PGDATABASE" = "$BACKUP_SOURCE_DATABASE" ]; then
    die "refusing to verify into $PGDATABASE: the scratch database must not be the backed-up database"
  fi
  local owner
  owner=$(restore_owner "$BACKUP_SOURCE_DATABASE")
  PGDATABASE=$BACKUP_SOURCE_DATABASE check_restore_roles "$owner"
  EXIT_HOOK=drop_scratch
  dropdb --if-exists --maintenance-db=postgres "$PGDATABASE" || die "cannot drop the old scratch database $PGDATABASE"
  createdb --maintenance-db=postgres --owner="$owner" "$PGDATABASE" || die "cannot create the scratch database $PGDATABASE"
  SCRATCH_CREATED=yes
  restore_archive "$1" "$owner"
  check_restored "$owner"
}
`,
  [BackupSourceKind.REDIS]: `
SOURCE_ENV=(REDIS_HOST REDIS_PORT REDISCLI_AUTH)

redis_args() {
  REDIS_ARGS=(-h "$REDIS_HOST" -p "$REDIS_PORT" --no-auth-warning)
  if [ "\${REDIS_TLS:-false}" = true ]; then REDIS_ARGS+=(--tls); fi
}

# An RDB snapshot fetched with "redis-cli --rdb" (as a replica would), gzip-compressed.
dump_source() {
  local rdb="$WORK_DIR/dump.rdb"
  redis_args
  redis-cli "\${REDIS_ARGS[@]}" --rdb "$rdb" >&2 || die "redis-cli --rdb failed"
  check_rdb "$rdb"
  gzip -6 -c "$rdb" >"$1"
  rm -f "$rdb"
}

# An RDB file starts with "REDIS"; redis-check-rdb (when the image has it) also checks its CRC64.
check_rdb() {
  local magic
  magic=$(head -c 5 "$1")
  if [ "$magic" != REDIS ]; then die "verification failed: $(basename "$1") is not an RDB file"; fi
  if command -v redis-check-rdb >/dev/null; then
    redis-check-rdb "$1" >&2 || die "verification failed: redis-check-rdb rejects $(basename "$1")"
  fi
}

verify_archive() {
  gzip -t "$1" 2>/dev/null || die "verification failed: $(basename "$1") is not an intact gzip archive"
  gunzip -c "$1" >"$WORK_DIR/verify.rdb"
  check_rdb "$WORK_DIR/verify.rdb"
  rm -f "$WORK_DIR/verify.rdb"
}

# Restore verification of an RDB snapshot: the checksum, gzip and RDB checks of fetch_backup.
verify_restore() { :; }
`,
  [BackupSourceKind.EVENT_STORE]: `
SOURCE_ENV=(EVENTS_EXPORT_URL)

# The event store's export (GET /events/export), downloaded whole (curl retries restart the file),
# then gzip-compressed. The token, if any, goes to curl in a config file, never on the command line.
dump_source() {
  local export_file="$WORK_DIR/events.export" auth=()
  if [ -n "\${EVENTS_EXPORT_TOKEN:-}" ]; then
    printf 'header = "Authorization: Bearer %s"\\n' "$EVENTS_EXPORT_TOKEN" >"$WORK_DIR/curl.config"
    auth=(--config "$WORK_DIR/curl.config")
  fi
  curl --fail --silent --show-error --connect-timeout 10 --retry 3 "\${auth[@]}" --output "$export_file" "$EVENTS_EXPORT_URL" \\
    || die "GET $EVENTS_EXPORT_URL failed"
  rm -f "$WORK_DIR/curl.config"
  if ! [ -s "$export_file" ]; then die "verification failed: the export from $EVENTS_EXPORT_URL is empty"; fi
  gzip -6 -c "$export_file" >"$1"
  rm -f "$export_file"
}

verify_archive() {
  local bytes
  gzip -t "$1" 2>/dev/null || die "verification failed: $(basename "$1") is not an intact gzip archive"
  bytes=$(gunzip -c "$1" | wc -c)
  if [ "$bytes" -eq 0 ]; then die "verification failed: $(basename "$1") is empty"; fi
}

# Restore verification of an export: the checksum, gzip and non-empty checks of fetch_backup.
verify_restore() { :; }
`,
};

const MAIN: Record<keyof typeof SCRIPT_FILES, (kind: BackupSourceKind) => string | undefined> = {
  backup: () => `
# "backup.sh" makes a backup and prunes; "backup.sh prune" only prunes.
main() {
  require_env BACKUP_DESTINATION BACKUP_RETENTION_DAYS BACKUP_WORK_DIR
  if ! [[ $BACKUP_RETENTION_DAYS =~ ^[1-9][0-9]*$ ]]; then
    die "BACKUP_RETENTION_DAYS must be a whole number of days, at least 1 (got '$BACKUP_RETENTION_DAYS')"
  fi
  if [ "\${1:-}" = prune ]; then prune; return; fi
  require_env "\${SOURCE_ENV[@]}"
  local name plain
  name="backup_$(date -u +%Y%m%d_%H%M%S)$BACKUP_SUFFIX"
  # Never overwrite a backup: a run started by hand in the same second takes the next second.
  # A write-only credential cannot look: concurrencyPolicy Forbid and the store's retention lock
  # (or versioning) protect the existing objects instead.
  while [ "$WRITE_ONLY" != true ] && { remote_exists "$name" || remote_exists "$name.sha256"; }; do
    sleep 1
    name="backup_$(date -u +%Y%m%d_%H%M%S)$BACKUP_SUFFIX"
  done
  make_work_dir
  plain="$WORK_DIR/\${name%"$BACKUP_SUFFIX"}$ARCHIVE_SUFFIX"
  log "$name: dumping"
  dump_source "$plain"
  verify_archive "$plain"
  if [ "$BACKUP_ENCRYPTION" = age ]; then
    encrypt_backup "$plain" "$WORK_DIR/$name"
    log "$name: encrypted to $(wc -w <<<"$AGE_RECIPIENTS") age recipient(s)"
  fi
  printf '%s  %s\\n' "$(sha256_of "$WORK_DIR/$name")" "$name" >"$WORK_DIR/$name.sha256"
  log "$name: verified, $(stat -c %s "$WORK_DIR/$name") bytes, sha256 $(head -c 64 "$WORK_DIR/$name.sha256"); uploading"
  upload "$WORK_DIR/$name.sha256" "$name.sha256"
  upload "$WORK_DIR/$name" "$name"
  PENDING_REMOTE=() # committed: the backup is complete under its final name
  log "$name: uploaded to $BACKUP_DESTINATION"
  if [ "$WRITE_ONLY" = true ]; then
    log "retention: left to the pruning Job (this Job's credential may only write)"
  else
    prune
  fi
  log "$name: done"
}
main "$@"
`,
  restore: (kind) => (kind !== BackupSourceKind.POSTGRES ? undefined : `
main() {
  require_env BACKUP_DESTINATION BACKUP_WORK_DIR "\${SOURCE_ENV[@]}"
  local name=\${BACKUP_FILE:-}
  if [ -z "$name" ]; then name=$(newest_backup); fi
  make_work_dir
  log "restore: $name from $BACKUP_DESTINATION into database $PGDATABASE on $PGHOST"
  fetch_backup "$name"
  local owner
  owner=$(restore_owner "$PGDATABASE")
  check_restore_roles "$owner"
  restore_archive "$ARCHIVE" "$owner"
  log "restore: $name restored into $PGDATABASE"
}
main "$@"
`),
  verify: () => `
main() {
  require_env BACKUP_DESTINATION BACKUP_WORK_DIR "\${SOURCE_ENV[@]}"
  local name
  name=$(newest_backup)
  make_work_dir
  log "restore verification: $name from $BACKUP_DESTINATION"
  fetch_backup "$name"
  verify_restore "$ARCHIVE"
  log "restore verification passed: $name"
}
main "$@"
`,
};

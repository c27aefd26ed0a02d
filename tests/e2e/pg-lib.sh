# SPDX-License-Identifier: Apache-2.0
# A throw-away PostgreSQL for tests and benchmarks (sourced): initdb and
# pg_ctl from Debian's postgresql package in a directory of the caller,
# on a Unix socket only (listen_addresses=''), password authentication
# (SCRAM) so that zsignd reads the password from a password file. Under
# root it runs as "nobody" (PostgreSQL refuses root; scripts/deps.sh).
#
#	pg_setup DIR	-> PG_URL (for zsignd), PG_PASSFILE, PG_SOCKDIR
#	pg_start; pg_stop; pg_sql "SQL" (prints rows, | separated)
#	pg_teardown	(stops it by its pid, whatever happened)

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=
PG_PID=

# Run a PostgreSQL program as the user the server runs as.
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# Is there a PostgreSQL to start (and runuser where it is needed)?
pg_available() {
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] &&
	    { [ "$(id -u)" != 0 ] || command -v runuser >/dev/null; }
}

pg_setup() {
	PG_DIR=$1
	PG_SOCKDIR=$PG_DIR/sock
	mkdir -p "$PG_DIR/data" "$PG_SOCKDIR"
	# The server user must reach its directories under the caller's.
	chmod 711 "$(dirname "$PG_DIR")" "$PG_DIR"
	printf 'zs-%s\n' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" \
	    >"$PG_DIR/pw"
	if [ "$(id -u)" = 0 ]; then
		chown -R nobody "$PG_DIR/data" "$PG_SOCKDIR"
		chown nobody "$PG_DIR/pw"
	fi
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U zsign \
	    --pwfile="$PG_DIR/pw" --auth=scram-sha-256 -E UTF8 \
	    >"$PG_DIR/initdb.log" 2>&1 || return 1
	PG_PASSFILE=$PG_DIR/pgpass
	printf '*:*:*:zsign:%s\n' "$(cat "$PG_DIR/pw")" >"$PG_PASSFILE"
	chmod 600 "$PG_PASSFILE"
	PG_URL="postgresql:///postgres?host=$PG_SOCKDIR&user=zsign"
	export PG_URL PG_PASSFILE PG_SOCKDIR
}

# Start the server, wait until it answers; fsync is off (a test
# database) unless PG_FSYNC=on (a benchmark).
pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/data/server.log" -w \
	    -t 30 -o "-c listen_addresses='' -k $PG_SOCKDIR \
	    -c fsync=${PG_FSYNC:-off} -c max_connections=100" start \
	    >/dev/null 2>&1 || return 1
	PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
}

pg_stop() {
	[ -n "$PG_PID" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop \
	    >/dev/null 2>&1
	PG_PID=
}

pg_sql() {
	PGPASSFILE=$PG_PASSFILE psql -X -q -A -t -F '|' "${PG_URL}" -c "$1"
}

pg_teardown() {
	pg_pid=$PG_PID
	[ -n "$pg_pid" ] || return 0
	pg_stop
	if kill -0 "$pg_pid" 2>/dev/null; then
		kill -KILL "$pg_pid" 2>/dev/null
	fi
	PG_PID=
}

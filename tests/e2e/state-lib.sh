# SPDX-License-Identifier: Apache-2.0
# Helpers of the state store tests (state-sqlite.sh, state-replicas.sh):
# sign requests whose version, input name and options vary.

# st_req OUT VERSION NAME KEY [IMGTOOL ARGS...]: a sign request for the
# 4 KiB image $ST_IMG uploaded as NAME, signed with the server key KEY.
st_req() {
	st_out=$1
	st_ver=$2
	st_name=$3
	st_key=$4
	shift 4
	zs_args_json "$st_out.args" "$@"
	jq -n --rawfile b64 "$ST_IMG.b64" --arg key "$st_key" \
	    --arg ver "$st_ver" --arg name "$st_name" \
	    --slurpfile extra "$st_out.args" '{tool: "imgtool", key: $key,
	    args: (["--version", $ver, "--header-size", "0x200",
	        "--align", "4", "--slot-size", "0x20000"] + $extra[0] +
	        [$name, "out.bin"]),
	    files: {($name): $b64}}' >"$st_out"
	rm -f "$st_out.args"
}

# st_image: make $ST_IMG (and its base64) under DIR.
st_image() {
	ST_IMG=$1/image.bin
	{ head -c 512 /dev/zero; head -c 3584 /dev/urandom; } >"$ST_IMG"
	base64 -w0 "$ST_IMG" >"$ST_IMG.b64"
}

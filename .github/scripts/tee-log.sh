#!/usr/bin/env bash
# A workflow step's shell (`shell: bash .github/scripts/tee-log.sh {0}`): runs the step's script ($1) as GitHub's
# own bash would (-e, pipefail), shows its output in the log as usual, and copies it to $STEP_LOG for a later
# step to read. The step ends with the script's exit status. Workflow commands (`::…::` lines) are switched off
# while it runs: its output quotes what servers answered, which must not be able to set outputs or annotations.
set -o pipefail
: "${STEP_LOG:?set STEP_LOG to the file the output is copied to}"
token="stop-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "::stop-commands::${token}"
status=0
bash --noprofile --norc -eo pipefail "$1" 2>&1 | tee -a "$STEP_LOG" || status=$?
echo "::${token}::"
exit "$status"

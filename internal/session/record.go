package session

import (
	"encoding/json"
	"errors"
	"time"
)

// Flash is a one-time message shown on the next page (Flask's flash).
type Flash struct {
	Category string `json:"category"`
	Message  string `json:"message"`
}

// record is what the store holds for a session, encoded as JSON (never
// pickle or gob: a record planted in the store can at worst be rejected).
// Times are Unix seconds.
type record struct {
	UserID     int64             `json:"user_id,omitempty"`
	Created    int64             `json:"created"`
	LastSeen   int64             `json:"last_seen"`
	AuthTime   int64             `json:"auth_time,omitempty"`
	Reauth     int64             `json:"reauth_time,omitempty"` // password proved again after AuthTime
	FreshUntil int64             `json:"fresh_until,omitempty"` // end of the freshness grace period
	Generation int64             `json:"generation,omitempty"`
	CSRF       string            `json:"csrf,omitempty"`
	Flashes    []Flash           `json:"flashes,omitempty"`
	Values     map[string]string `json:"values,omitempty"`
}

// maxRecordLen bounds what decodeRecord reads, so that garbage in the store
// cannot cost much; real records are a few hundred bytes.
const maxRecordLen = 64 << 10

var errBadRecord = errors.New("session: bad stored record")

func encodeRecord(r *record) ([]byte, error) {
	return json.Marshal(r)
}

// decodeRecord decodes and checks a stored record. Any error means the data
// is not a record of ours; the session is then treated as absent.
func decodeRecord(data []byte) (*record, error) {
	if len(data) > maxRecordLen {
		return nil, errBadRecord
	}
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, errBadRecord
	}
	if r.Created <= 0 || r.UserID < 0 || (r.UserID == 0) != (r.AuthTime == 0) {
		return nil, errBadRecord
	}
	return &r, nil
}

// empty reports whether the record holds nothing worth storing.
func (r *record) empty() bool {
	return r.UserID == 0 && r.CSRF == "" && len(r.Flashes) == 0 && len(r.Values) == 0
}

func unix(secs int64) time.Time {
	if secs == 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}

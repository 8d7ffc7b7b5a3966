package main

import (
	"encoding/hex"
	"reflect"
)

// fieldsJSON renders a wire struct with Go field names: []byte as hex (nil as null).
func fieldsJSON(v any) map[string]any {
	rv := reflect.Indirect(reflect.ValueOf(v))
	out := map[string]any{}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		fv := rv.Field(i)
		switch fv.Kind() {
		case reflect.Slice:
			if fv.IsNil() {
				out[f.Name] = nil
			} else {
				out[f.Name] = hex.EncodeToString(fv.Bytes())
			}
		default:
			out[f.Name] = fv.Interface()
		}
	}
	return out
}

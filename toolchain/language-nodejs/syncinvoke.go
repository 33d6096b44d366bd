package main

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"google.golang.org/protobuf/proto"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// serveSyncInvokes makes a directory with two FIFOs, invoke_req and invoke_res, through which @pulumi/pulumi
// (given --sync DIR) makes synchronous invokes: each message is a 4-byte big-endian length and a protobuf
// ResourceInvokeRequest / ResourceInvokeResponse. A failed invoke is sent back as a check failure, since the
// channel has no other way to carry an error. The returned channel gets an error only if the channel breaks.
func serveSyncInvokes(ctx context.Context, monitor pulumirpc.ResourceMonitorClient) (string, <-chan error, error) {
	dir, err := os.MkdirTemp("", "pulumi-node-pipes")
	if err != nil {
		return "", nil, err
	}
	reqPath, resPath := filepath.Join(dir, "invoke_req"), filepath.Join(dir, "invoke_res")
	for _, p := range []string{reqPath, resPath} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
	}
	done := make(chan error, 1)
	go func() {
		// Opening a FIFO blocks until the other side opens it, which the SDK does only on its first sync invoke;
		// when the program never makes one, this goroutine just waits until the process ends.
		done <- func() error {
			reqs, err := os.OpenFile(reqPath, os.O_RDONLY, 0)
			if err != nil {
				return err
			}
			defer reqs.Close()
			ress, err := os.OpenFile(resPath, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer ress.Close()
			for {
				var n uint32
				if err := binary.Read(reqs, binary.BigEndian, &n); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
				buf := make([]byte, n)
				if _, err := io.ReadFull(reqs, buf); err != nil {
					return err
				}
				var req pulumirpc.ResourceInvokeRequest
				if err := proto.Unmarshal(buf, &req); err != nil {
					return err
				}
				res, err := monitor.Invoke(ctx, &req)
				if err != nil {
					if res == nil {
						res = &pulumirpc.ResourceInvokeResponse{}
					}
					res.Failures = append(res.Failures, &pulumirpc.CheckFailure{Reason: err.Error()})
				}
				out, err := proto.Marshal(res)
				if err != nil {
					return err
				}
				if err := binary.Write(ress, binary.BigEndian, uint32(len(out))); err != nil {
					return err
				}
				if _, err := ress.Write(out); err != nil {
					return err
				}
			}
		}()
	}()
	return dir, done, nil
}

/** Which image store the building Docker daemon uses, read from `docker info`. */
import { describe, expect, it } from "vitest";

import { detectImageStore, dockerCliArgs, parseImageStore } from "../../host/docker";
import { machine, notInstalled } from "../scripts/stubs";
import { CLASSIC_STORE, CONTAINERD_STORE, NO_DAEMON } from "./fixtures";

describe("parseImageStore", () => {
  // moby daemon/containerd/service.go, ImageService.LayerStoreStatus: [["driver-type", "io.containerd.snapshotter.v1"]].
  it("recognises the containerd image store by its snapshotter type", () => {
    expect(parseImageStore(CONTAINERD_STORE.stdout)).toBe("containerd");
  });

  it("reads any other driver status as the classic store", () => {
    expect(parseImageStore(CLASSIC_STORE.stdout)).toBe("classic");
  });

  it("calls output that is not a status list unknown", () => {
    expect(parseImageStore("")).toBe("unknown");
    expect(parseImageStore('{"Driver":"overlay2"}')).toBe("unknown");
  });
});

describe("detectImageStore", () => {
  it("asks the local daemon with `docker info --format '{{json .DriverStatus}}'`", () => {
    const run = machine({ "docker info": CONTAINERD_STORE });
    expect(detectImageStore(run)).toBe("containerd");
    expect(run.calls).toEqual(["docker info --format {{json .DriverStatus}}"]);
  });

  it("asks a configured daemon, with its TLS certificates, the way the docker provider reaches it", () => {
    const run = machine({ docker: CLASSIC_STORE });
    expect(detectImageStore(run, { host: "tcp://10.0.0.5:2376", certPath: "/certs" })).toBe("classic");
    expect(run.calls).toEqual([
      "docker --host tcp://10.0.0.5:2376 --tlsverify --tlscacert /certs/ca.pem --tlscert /certs/cert.pem " +
        "--tlskey /certs/key.pem info --format {{json .DriverStatus}}",
    ]);
  });

  it("is unknown when no daemon answers or docker is not installed (a preview with Docker stopped)", () => {
    expect(detectImageStore(machine({ "docker info": NO_DAEMON }))).toBe("unknown");
    expect(detectImageStore(() => notInstalled("docker"))).toBe("unknown");
  });

  it("passes no flags for the default daemon", () => {
    expect(dockerCliArgs(undefined)).toEqual([]);
    expect(dockerCliArgs({ host: "unix:///run/user/1000/docker.sock" })).toEqual([
      "--host",
      "unix:///run/user/1000/docker.sock",
    ]);
  });
});

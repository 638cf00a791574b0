"""station.py: the real programs, run the way a clerk and the town's
machines would, on a simulated day (issue 26).

Every station, center and clinic process runs under libfaketime
(LD_PRELOAD, its clock read from a file the simulator rewrites each day),
so the programs see the simulated day through time(2) and nothing in src/
knows. Cards are nhicard-cardsim emulators in pcscd's vpcd reader, as in
tests/lib/pcsc.sh.
"""

import os
import re
import subprocess
import time


class Programs:
    def __init__(self, env):
        self.e = env
        self.tmp = env["TEST_TMP"]
        self.ft = os.path.join(self.tmp, "faketime.rc")
        self.ops = 0
        self.log = open(os.path.join(self.tmp, "townyear.log"), "a", encoding="utf-8")
        self.center = None
        self.center_url = None
        self.sim = None
        self.cdb = os.path.join(self.tmp, "center.db")

    # ---- the clock
    def set_day(self, day, hour=9):
        with open(self.ft, "w") as f:
            f.write("@%s %02d:00:00\n" % (day.isoformat(), hour))

    def env_ft(self, extra=None):
        env = dict(os.environ)
        env.update(LD_PRELOAD=self.e["FAKETIME_LIB"], FAKETIME_TIMESTAMP_FILE=self.ft,
                   FAKETIME_NO_CACHE="1", DONT_FAKE_MONOTONIC="1")
        env.update(extra or {})
        return env

    def run(self, argv, extra=None, what=None):
        self.ops += 1
        p = subprocess.run(argv, env=self.env_ft(extra), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        out = p.stdout.decode("utf-8", "replace")
        self.log.write("$ %s -> %d\n%s" % (what or " ".join(argv[-3:]), p.returncode, out[-2000:]))
        return p.returncode, out

    def nh(self, *args, extra=None):
        return self.run([self.e["NHICARD"], "--config", self.e["CONF"], "--db", self.e["DB"],
                         "--reader", self.e["PCSC_READER"]] + list(args), extra,
                        "nhicard " + " ".join(args))

    def sql(self, q):
        p = subprocess.run(["sqlite3", "-separator", "|", self.e["DB"], q], stdout=subprocess.PIPE,
                           check=True)
        return [l.split("|") for l in p.stdout.decode().splitlines() if l]

    def csql(self, q):
        p = subprocess.run(["sqlite3", "-separator", "|", self.cdb, q], stdout=subprocess.PIPE,
                           check=True)
        return [l.split("|") for l in p.stdout.decode().splitlines() if l]

    # ---- the center
    def center_start(self):
        k = self.e["KEYS"]
        self.ops += 1
        self.center = subprocess.Popen(
            [self.e["CENTER"], "--db", self.cdb, "serve", "--key", k + "/test-center.key",
             "--cert", k + "/test-center.crt", "--tls-key", "tls.key", "--tls-cert", "tls.crt",
             "--ca", k + "/test-queue-ca.crt", "--port", "0"],
            env=self.env_ft(), stdout=subprocess.PIPE,
            stderr=open(os.path.join(self.tmp, "center.log"), "a"), cwd=self.tmp)
        line = self.center.stdout.readline().decode()
        m = re.match(r"listening on 127\.0\.0\.1 (\d+)", line)
        if not m:
            raise RuntimeError("nhicard-center did not start: %r" % line)
        self.center_url = "https://127.0.0.1:%s" % m.group(1)
        self.set_url(self.center_url)

    def center_stop(self):
        if self.center:
            self.center.terminate()
            self.center.wait()
            self.center = None

    def set_url(self, url):
        with open(self.e["CONF"], encoding="utf-8") as f:
            conf = f.read()
        conf = re.sub(r"(?m)^center_url = .*$", "center_url = " + url, conf)
        with open(self.e["CONF"], "w", encoding="utf-8") as f:
            f.write(conf)

    def cut_start(self, direction, n):
        """tests/tcp-cut between the station and the center: the
        connection is cut after n bytes up (station to center) or down.
        The station's configuration points at it until cut_stop."""
        port = self.center_url.rsplit(":", 1)[1]
        self.cut = subprocess.Popen([self.e["TCP_CUT"], port, direction, str(n)],
                                    stdout=subprocess.PIPE,
                                    stderr=open(os.path.join(self.tmp, "tcp-cut.log"), "a"))
        line = self.cut.stdout.readline().decode()
        m = re.match(r"listening on 127\.0\.0\.1 (\d+)", line)
        if not m:
            raise RuntimeError("tcp-cut did not start: %r" % line)
        self.set_url("https://127.0.0.1:%s" % m.group(1))

    def cut_stop(self):
        self.cut.kill()
        self.cut.wait()
        self.set_url(self.center_url)

    def fill_disk(self):
        """Fills the station's small file system with a ballast file."""
        path = os.path.join(os.path.dirname(self.e["DB"]), "ballast")
        with open(path, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        return path

    def center_cmd(self, *args):
        return self.run([self.e["CENTER"], "--db", self.cdb] + list(args), None,
                        "nhicard-center " + " ".join(args))

    # ---- cards in the reader
    def card_insert(self, path, *opts):
        for attempt in range(3):
            self.card_remove()
            self.ops += 1
            self.sim = subprocess.Popen(
                [self.e["CARDSIM"], "--card", path, "--port", self.e["VPCD_PORT"],
                 "--connect-timeout", "10"] + list(opts),
                stderr=open(os.path.join(self.tmp, "cardsim.log"), "a"))
            if subprocess.run([self.e["PCSC_WAIT"], "--timeout", "10", "card",
                               self.e["PCSC_READER"]]).returncode == 0:
                return
            # After a station killed mid-transaction pcscd has been seen
            # not to show the next card once; the clerk pulls it and puts
            # it in again (counted in the log).
            self.log.write("# card %s did not appear (attempt %d)\n" % (path, attempt + 1))
            if os.path.exists(path):
                opts = ()
        raise RuntimeError("card %s did not appear in the reader" % path)

    def card_remove(self):
        if self.sim:
            self.sim.kill()
            self.sim.wait()
            self.sim = None
        if subprocess.run([self.e["PCSC_WAIT"], "--timeout", "10", "nocard",
                           self.e["PCSC_READER"]]).returncode != 0:
            raise RuntimeError("the card did not go away")

    def feed_one(self, run, path, opts=(), extra=None):
        """One card through `nhicard batch preissue feed --count 1`: the
        feed waits in the background, the card goes in, and comes out when
        the feed says "remove the card" (or the feed ended: killed, or the
        card pulled). Returns the feed's status and output."""
        self.ops += 1
        out_path = os.path.join(self.tmp, "feed.out")
        args = ["nhicard", "batch", "preissue", "feed", "--count", "1", "--max-wait", "20",
                "--no-print", "--quiet", run]
        with open(out_path, "w") as o:
            feed = subprocess.Popen([self.e["NHICARD"], "--config", self.e["CONF"], "--db",
                                     self.e["DB"], "--reader", self.e["PCSC_READER"]] + args[1:],
                                    env=self.env_ft(extra), stdout=o, stderr=subprocess.STDOUT)
        try:
            self.card_insert(path, *opts)
            deadline = time.time() + 60
            while feed.poll() is None and time.time() < deadline:
                with open(out_path, encoding="utf-8", errors="replace") as f:
                    if "remove the card" in f.read():
                        break
                time.sleep(0.05)
            self.card_remove()
            rc = feed.wait(timeout=30)
        finally:
            if feed.poll() is None:
                feed.kill()
                feed.wait()
        with open(out_path, encoding="utf-8", errors="replace") as f:
            out = f.read()
        self.log.write("$ %s -> %d\n%s" % (" ".join(args), rc, out[-2000:]))
        return rc, out

    def clinic(self, *args):
        k = self.e["KEYS"]
        return self.run([self.e["CLINIC"], "--center", self.center_url, "--cert",
                         os.path.join(self.tmp, "clinic.crt"), "--key",
                         os.path.join(self.tmp, "clinic.key"), "--ca", k + "/test-queue-ca.crt",
                         "--center-cert", k + "/test-center.crt", "--state",
                         os.path.join(self.tmp, "cstate"), "--out", os.path.join(self.tmp, "visits"),
                         "--reader", self.e["PCSC_READER"], "--wait", "10"] + list(args),
                        None, "nhicard-clinic " + " ".join(args))

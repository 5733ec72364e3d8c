// WhatsApp calls in the browser (docs/calls.md "Console"). There is no WebRTC stack on the server: this page is the
// media peer. Meta takes one SDP per side (no trickle ICE), so every description leaves here only once ICE gathering is
// complete, with its candidates inside. The platform carries the SDPs: an inbound call's offer arrives in the live
// call, our answer goes to the Core API (and the Worker sends it to Meta); an outbound call's offer goes out the same
// way and Meta's answer comes back in the call.
// Sessions are keyed by the call's id (or, for an outbound call before the Core API has answered, by a key the console
// makes up and then binds to the id).
window.mmCalls = (() => {
  const sessions = new Map();
  const gatherTimeoutMs = 5000;

  const iceComplete = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const done = () => { if (pc.iceGatheringState === "complete") { pc.removeEventListener("icegatheringstatechange", done); resolve(); } };
    pc.addEventListener("icegatheringstatechange", done);
    // A network with no reachable interface never says complete: what was gathered by then goes.
    setTimeout(resolve, gatherTimeoutMs);
  });

  async function open(key, record) {
    close(key);
    const pc = new RTCPeerConnection({ iceServers: [] });
    const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    local.getTracks().forEach((t) => pc.addTrack(t, local));
    const audio = document.createElement("audio");
    audio.autoplay = true;
    audio.dataset.callAudio = key;
    audio.hidden = true;
    document.body.appendChild(audio);
    const s = { pc, local, remote: null, audio, record, recorder: null, chunks: [], startedAt: null, stoppedAt: null, blob: null, context: null };
    pc.addEventListener("track", (e) => {
      s.remote = e.streams[0] || new MediaStream([e.track]);
      audio.srcObject = s.remote;
      if (s.record) startRecording(s);
    });
    sessions.set(key, s);
    return s;
  }

  // Both voices in one track: the agent's microphone and the customer's audio mixed by an AudioContext, recorded as
  // Opus in WebM (what MediaRecorder makes in Chromium and Firefox).
  function startRecording(s) {
    if (s.recorder || !s.remote || typeof MediaRecorder === "undefined") return;
    const context = new AudioContext();
    const mix = context.createMediaStreamDestination();
    context.createMediaStreamSource(s.local).connect(mix);
    context.createMediaStreamSource(s.remote).connect(mix);
    const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "audio/ogg;codecs=opus";
    const recorder = new MediaRecorder(mix.stream, { mimeType: type, audioBitsPerSecond: 32000 });
    recorder.addEventListener("dataavailable", (e) => { if (e.data && e.data.size > 0) s.chunks.push(e.data); });
    recorder.start(1000);
    s.context = context;
    s.recorder = recorder;
    s.startedAt = performance.now();
  }

  function stopRecording(s) {
    if (!s.recorder) return Promise.resolve(null);
    const recorder = s.recorder;
    return new Promise((resolve) => {
      recorder.addEventListener("stop", () => {
        s.stoppedAt = performance.now();
        const type = recorder.mimeType.split(";")[0];
        s.blob = s.chunks.length ? new Blob(s.chunks, { type }) : null;
        if (s.context) s.context.close();
        resolve(s.blob ? { mimeType: type, size: s.blob.size, durationMs: Math.round(s.stoppedAt - s.startedAt) } : null);
      }, { once: true });
      if (recorder.state !== "inactive") recorder.stop(); else recorder.dispatchEvent(new Event("stop"));
    });
  }

  function close(key) {
    const s = sessions.get(key);
    if (!s) return;
    try { s.pc.close(); } catch { /* already closed */ }
    s.local.getTracks().forEach((t) => t.stop());
    s.audio.srcObject = null;
    s.audio.remove();
  }

  return {
    // An inbound call: the customer's offer in, our answer (with its candidates) out.
    answer: async (key, offerSdp, record) => {
      const s = await open(key, record);
      await s.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
      await s.pc.setLocalDescription(await s.pc.createAnswer());
      await iceComplete(s.pc);
      return s.pc.localDescription.sdp;
    },
    // An outbound call: our offer out; Meta's answer comes later (remote).
    offer: async (key, record) => {
      const s = await open(key, record);
      await s.pc.setLocalDescription(await s.pc.createOffer({ offerToReceiveAudio: true }));
      await iceComplete(s.pc);
      return s.pc.localDescription.sdp;
    },
    bind: (key, callId) => {
      const s = sessions.get(key);
      if (!s) return false;
      sessions.delete(key);
      sessions.set(String(callId), s);
      s.audio.dataset.callAudio = String(callId);
      return true;
    },
    remote: async (key, answerSdp) => {
      const s = sessions.get(String(key));
      if (!s || s.pc.remoteDescription) return false;
      await s.pc.setRemoteDescription({ type: "answer", sdp: answerSdp });
      return true;
    },
    has: (key) => sessions.has(String(key)),
    mute: (key, muted) => {
      const s = sessions.get(String(key));
      if (s) s.local.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    },
    // Hold: neither side hears the other (Meta has no hold signal; the platform keeps the flag).
    hold: (key, on) => {
      const s = sessions.get(String(key));
      if (!s) return;
      s.local.getAudioTracks().forEach((t) => { t.enabled = !on; });
      s.audio.muted = on;
    },
    // The call ended: the recording (if any) is closed and described; the media stops. The blob stays for recording().
    stop: async (key) => {
      const s = sessions.get(String(key));
      if (!s) return null;
      const made = await stopRecording(s);
      close(String(key));
      return made;
    },
    // The recorded Blob: Blazor streams a Blob returned to an IJSStreamReference call.
    recording: (key) => {
      const s = sessions.get(String(key));
      return s && s.blob ? s.blob : new Blob([]);
    },
    forget: (key) => { close(String(key)); sessions.delete(String(key)); },
    // What the tests read: bytes of audio received and sent, and the connection's state.
    stats: async (key) => {
      const s = sessions.get(String(key));
      if (!s) return null;
      let received = 0, sent = 0;
      (await s.pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") received += r.bytesReceived || 0;
        if (r.type === "outbound-rtp" && r.kind === "audio") sent += r.bytesSent || 0;
      });
      return { received, sent, state: s.pc.connectionState, recording: !!s.recorder };
    },
    keys: () => Array.from(sessions.keys()),
  };
})();

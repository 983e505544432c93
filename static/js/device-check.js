/*
 * device-check.js — camera / microphone check for the device check page.
 * Dependency-free; safe under a strict CSP (no eval, no inline styles: only
 * textContent, classes and the `hidden` attribute are changed).
 *
 * Expected markup (translated strings come from the template):
 *   <button type="button" id="device-check-start">…</button>
 *   <p id="device-check-camera" data-ok="…" data-fail="…" data-unsupported="…" [data-checking="…"]></p>
 *   <p id="device-check-microphone" data-ok="…" data-fail="…" data-unsupported="…" [data-checking="…"]></p>
 *   <video id="device-check-preview" muted playsinline hidden [data-preview-seconds="15"]></video>   (optional)
 *
 * Result elements get the class device-status--ok | --fail | --unsupported
 * and data-state="ok|fail|unsupported". All tracks are stopped after the
 * check; if a preview <video> exists, the camera track is kept only for the
 * preview period (default 15 s) and then stopped too.
 */
(function () {
  "use strict";

  var STATES = ["ok", "fail", "unsupported", "checking"];
  var DEFAULT_PREVIEW_SECONDS = 15;
  var activeStreams = [];
  var previewTimer = null;

  function setResult(el, state) {
    if (!el) { return; }
    var text = el.getAttribute("data-" + state);
    if (text === null) {
      if (state === "checking") { return; }
      text = state;
    }
    el.textContent = text;
    STATES.forEach(function (s) { el.classList.remove("device-status--" + s); });
    el.classList.add("device-status--" + state);
    el.setAttribute("data-state", state);
  }

  function stopStream(stream) {
    if (!stream) { return; }
    stream.getTracks().forEach(function (track) { track.stop(); });
  }

  function stopAll(video) {
    if (previewTimer !== null) {
      window.clearTimeout(previewTimer);
      previewTimer = null;
    }
    activeStreams.forEach(stopStream);
    activeStreams = [];
    if (video) {
      video.pause();
      video.srcObject = null;
      video.hidden = true;
    }
  }

  function request(constraints) {
    return navigator.mediaDevices.getUserMedia(constraints).then(
      function (stream) { return stream; },
      function () { return null; }
    );
  }

  function showPreview(video, stream) {
    var videoTracks = stream ? stream.getVideoTracks() : [];
    if (!video || videoTracks.length === 0) { return false; }
    var previewStream = new MediaStream(videoTracks);
    activeStreams.push(previewStream);
    video.muted = true;
    video.srcObject = previewStream;
    video.hidden = false;
    var playing = video.play();
    if (playing && typeof playing.catch === "function") { playing.catch(function () {}); }
    var seconds = parseInt(video.getAttribute("data-preview-seconds"), 10);
    if (!(seconds > 0)) { seconds = DEFAULT_PREVIEW_SECONDS; }
    previewTimer = window.setTimeout(function () { stopAll(video); }, seconds * 1000);
    return true;
  }

  function init() {
    var button = document.getElementById("device-check-start");
    if (!button) { return; }
    var camera = document.getElementById("device-check-camera");
    var microphone = document.getElementById("device-check-microphone");
    var video = document.getElementById("device-check-preview");

    var supported = !!(navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function" &&
      typeof window.MediaStream === "function");

    window.addEventListener("pagehide", function () { stopAll(video); });

    button.addEventListener("click", function () {
      stopAll(video);
      if (!supported) {
        // e.g. old browser, or page not served over HTTPS (no secure context)
        setResult(camera, "unsupported");
        setResult(microphone, "unsupported");
        return;
      }
      button.disabled = true;
      setResult(camera, "checking");
      setResult(microphone, "checking");

      request({ video: true, audio: true }).then(function (both) {
        if (both) {
          return { video: both, audio: both };
        }
        // Combined request failed (one device missing or denied): try each separately.
        return request({ video: true }).then(function (videoOnly) {
          return request({ audio: true }).then(function (audioOnly) {
            return { video: videoOnly, audio: audioOnly };
          });
        });
      }).then(function (result) {
        var hasVideo = !!(result.video && result.video.getVideoTracks().length > 0);
        var hasAudio = !!(result.audio && result.audio.getAudioTracks().length > 0);
        setResult(camera, hasVideo ? "ok" : "fail");
        setResult(microphone, hasAudio ? "ok" : "fail");

        var keepForPreview = hasVideo && showPreview(video, result.video);
        [result.video, result.audio].forEach(function (stream) {
          if (!stream) { return; }
          stream.getTracks().forEach(function (track) {
            // Keep only the camera track that feeds the preview; stop everything else now.
            if (!(keepForPreview && track.kind === "video" && stream === result.video)) {
              track.stop();
            }
          });
        });
      }).catch(function () {
        setResult(camera, "fail");
        setResult(microphone, "fail");
        stopAll(video);
      }).then(function () {
        button.disabled = false;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

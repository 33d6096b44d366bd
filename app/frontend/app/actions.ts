"use server";

import { revalidatePath } from "next/cache";

import { BackendError, createTask, deleteTask, updateTask } from "@/lib/backend";
import { TITLE_MAX_LENGTH } from "@/lib/limits";
import { log } from "@/lib/log";

// Server Actions are the only way the page changes data: the browser posts to this Next.js server, which calls
// the ClusterIP-only backend. Task ids travel as plain form fields rather than bound closure arguments, so any
// replica can run an action without sharing Next's per-build action encryption key.

export interface AddTaskState {
  error: string | null;
  /**
   * What the input shows once the action is done. React resets a form after its action runs, back to the
   * input's default value, so a rejected title is handed back here to stay there to be corrected.
   */
  title: string;
}

function taskId(formData: FormData): number | null {
  const id = Number(formData.get("id"));
  return Number.isInteger(id) && id > 0 ? id : null;
}

export async function addTask(_previous: AddTaskState, formData: FormData): Promise<AddTaskState> {
  const submitted = String(formData.get("title") ?? "");
  const title = submitted.trim();
  if (title.length === 0) return { error: "Please enter a task.", title: submitted };
  if (title.length > TITLE_MAX_LENGTH) {
    return { error: `Please keep a task to ${TITLE_MAX_LENGTH} characters or fewer.`, title: submitted };
  }
  try {
    await createTask(title);
  } catch (error) {
    const message = error instanceof BackendError ? error.message : "Could not add the task.";
    return { error: message, title: submitted };
  }
  log.info("task added");
  revalidatePath("/");
  return { error: null, title: "" };
}

export async function setTaskDone(formData: FormData): Promise<void> {
  const id = taskId(formData);
  if (id === null) return;
  await updateTask(id, { done: formData.get("done") === "true" });
  revalidatePath("/");
}

export async function removeTask(formData: FormData): Promise<void> {
  const id = taskId(formData);
  if (id === null) return;
  await deleteTask(id);
  log.info("task deleted");
  revalidatePath("/");
}

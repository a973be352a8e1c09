import { z } from "zod";
import { SCOPES } from "./scopes";

export const scopeSchema = z.enum(SCOPES);
